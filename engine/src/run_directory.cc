#include "zkmatch/run_directory.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "digest.h"

namespace zkmatch {
namespace {

namespace fs = std::filesystem;

// The temporary sibling is ".NAME.zkmatch-tmp-PID-XXXXXX": hidden, never mistaken for a result,
// and it names the process that owns it, so a later run can tell a leftover of a killed run
// (owner gone) from the work of a run still going on.
std::string TempPrefix(const fs::path& target) { return "." + target.filename().string() + ".zkmatch-tmp-"; }

bool WriteAll(int fd, std::string_view data) {
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t w = ::write(fd, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    left -= static_cast<std::size_t>(w);
  }
  return true;
}

bool FsyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

// "what 'path': strerror(errno)" -- for the single-file writers below (report.html, diff.csv).
std::string SysError(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

// What to do after a system call failed with `err`.
std::string Advice(int err) {
  switch (err) {
    case ENOSPC:
    case EDQUOT: return "; free some space or choose another --out";
    case EACCES:
    case EPERM:
    case EROFS: return "; choose a --out where you may write";
    default: return "; choose another --out";
  }
}

// Removes leftovers of runs killed while writing `target` (their owner process is gone). The
// one leftover that holds the only copy of a previous run -- the fallback replace below killed
// between its two renames -- is moved back into place instead.
void RemoveStaleTemporaries(const fs::path& parent, const fs::path& target) {
  const std::string prefix = TempPrefix(target);
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    char* rest = nullptr;
    const long pid = std::strtol(name.c_str() + prefix.size(), &rest, 10);
    if (pid <= 0 || rest == nullptr || *rest != '-') continue;
    if (pid == static_cast<long>(::getpid()) || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    std::error_code ignored;
    if (std::strncmp(rest, "-old-", 5) == 0 && !fs::exists(fs::symlink_status(target, ignored)) &&
        fs::is_directory(it->path() / "run", ignored)) {
      ::rename((it->path() / "run").c_str(), target.c_str());
    }
    fs::remove_all(it->path(), ignored);
  }
}

// rename(2) that never replaces an existing `to` (renameat2 RENAME_NOREPLACE; a plain rename
// would silently replace an empty directory).
int RenameNoReplace(const char* from, const char* to) {
  if (::renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  struct stat st {};
  if (::lstat(to, &st) == 0) {
    errno = EEXIST;
    return -1;
  }
  return ::rename(from, to);
}

// A run bundle's copy of an input at `path`: a hard link to f.copy_of (the same bytes, no space
// used), or where the file system refuses one (another device, a protected link) or f.link is
// false, a copy; then
// the digest of what is there must be the one the run parsed.
Status PlaceCopy(const OutputFile& f, const std::string& path, const std::string& shown) {
  const fs::path dir = fs::path(path).parent_path();
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Status::IoError(SysError("cannot create the directory", dir.string()));
  const bool linked = f.link && ::link(f.copy_of.c_str(), path.c_str()) == 0;
  if (linked && f.verified) return Status::Ok();  // this run's own checked copy (StagedInputs)
  if (!linked) {
    std::error_code ec;
    if (!fs::copy_file(f.copy_of, path, ec)) {
      errno = ec.value();
      return Status::IoError("cannot copy the input '" + f.copy_of + "' to " + shown + ": " + ec.message());
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    const bool synced = fd >= 0 && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!synced) return Status::IoError(SysError("cannot flush", path));
  }
  if (Sha256File(path) != f.sha256) {
    return Status::BadInput("the input '" + f.copy_of + "' changed after this run read it, so the run bundle cannot hold the bytes it used; run again");
  }
  return Status::Ok();
}

}  // namespace

Status WriteRunDirectory(const std::string& dir, const std::vector<OutputFile>& files, bool force) {
  fs::path target = fs::path(dir).lexically_normal();
  if (target.filename().empty()) target = target.parent_path();
  fs::path parent = target.parent_path();
  if (parent.empty()) parent = ".";
  std::error_code ec;
  const bool exists = fs::exists(fs::symlink_status(target, ec));
  if (exists && !fs::is_directory(fs::symlink_status(target, ec))) {  // first: --force would not replace it either
    return Status::BadInput("'" + target.string() + "' exists and is not a directory; choose another --out");
  }
  if (exists && !force) {
    return Status::BadInput("output directory '" + target.string() + "' already exists; choose another --out or add --force to replace it");
  }
  if (!fs::is_directory(parent, ec)) {
    // Like mkdir -p: missing parents are created (they are empty directories, not a result).
    fs::create_directories(parent, ec);
    if (ec || !fs::is_directory(parent, ec)) {
      return Status::IoError("cannot create the parent directory '" + parent.string() + "' of --out: " +
                             (ec ? ec.message() : std::string("not a directory")) + "; choose another --out");
    }
  }
  RemoveStaleTemporaries(parent, target);
  const std::string unchanged = exists ? "; nothing was written and the previous results are unchanged" : "; nothing was written";
  std::string tmpl = (parent / (TempPrefix(target) + std::to_string(::getpid()) + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    const int err = errno;
    return Status::IoError("cannot write in '" + parent.string() + "' (to create the temporary directory of --out): " + std::strerror(err) +
                           unchanged + Advice(err));
  }
  const std::string tmp = tmpl;
  auto fail = [&](const std::string& what, int err) {
    fs::remove_all(tmp, ec);
    return Status::IoError(what + ": " + std::strerror(err) + unchanged + Advice(err));
  };
  for (const OutputFile& f : files) {
    const std::string path = tmp + "/" + f.name;
    const std::string shown = "'" + (target / f.name).string() + "' (in the temporary directory '" + tmp + "')";
    if (!f.copy_of.empty()) {
      if (Status placed = PlaceCopy(f, path, shown); !placed.ok()) {
        const int err = errno;
        fs::remove_all(tmp, ec);
        return placed.code() == StatusCode::kIoError ? Status::IoError(placed.message() + unchanged + Advice(err))
                                                      : Status::BadInput(placed.message() + unchanged);
      }
      continue;
    }
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return fail("cannot create " + shown, errno);
    bool ok = WriteAll(fd, f.content) && ::fsync(fd) == 0;
    const int saved = errno;
    ok = (::close(fd) == 0) && ok;
    if (!ok) return fail("cannot write " + shown, saved);
  }
  ::chmod(tmp.c_str(), 0755);
  if (fs::is_directory(tmp + "/inputs", ec) && !FsyncPath(tmp + "/inputs")) return fail("cannot flush '" + tmp + "/inputs'", errno);
  if (!FsyncPath(tmp)) return fail("cannot flush '" + tmp + "'", errno);
  if (exists) {
    // Swap the complete new directory with the old one in one step, then delete the old one
    // (now under the temporary name). At every moment the target holds a complete run.
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
      FsyncPath(parent.string());
      fs::remove_all(tmp, ec);
      return Status::Ok();
    }
    if (errno != EINVAL && errno != ENOSYS) return fail("cannot move the new run into place at '" + target.string() + "'", errno);
    // A filesystem without RENAME_EXCHANGE: move the old run aside, the new one in, delete
    // the old. A reader may briefly see no directory, never a partial one.
    std::string old = (parent / (TempPrefix(target) + std::to_string(::getpid()) + "-old-XXXXXX")).string();
    if (::mkdtemp(old.data()) == nullptr) return fail("cannot write in '" + parent.string() + "'", errno);
    if (::rename(target.c_str(), (old + "/run").c_str()) != 0) {
      const int err = errno;
      fs::remove_all(old, ec);
      return fail("cannot move aside '" + target.string() + "'", err);
    }
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
      const int err = errno;
      ::rename((old + "/run").c_str(), target.c_str());
      fs::remove_all(old, ec);
      return fail("cannot move the new run into place at '" + target.string() + "'", err);
    }
    FsyncPath(parent.string());
    fs::remove_all(old, ec);
    return Status::Ok();
  }
  if (RenameNoReplace(tmp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    if (err == EEXIST || err == ENOTEMPTY) {
      fs::remove_all(tmp, ec);
      return Status::BadInput("output directory '" + target.string() +
                              "' appeared while this run was writing; nothing was written -- choose another --out or add --force");
    }
    return fail("cannot move the new run into place at '" + target.string() + "'", err);
  }
  FsyncPath(parent.string());
  return Status::Ok();
}

Result<std::string> CreateTemporarySibling(const std::string& path) {
  const fs::path target(path);
  fs::path parent = target.parent_path();
  if (parent.empty()) parent = ".";
  std::string tmpl = (parent / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return Status::IoError(SysError("cannot create a temporary file beside", path));
  ::close(fd);
  return tmpl;
}

Status CommitTemporaryFile(const std::string& temporary, const std::string& path) {
  std::error_code ec;
  auto fail = [&](std::string msg) {
    fs::remove(temporary, ec);
    return Status::IoError(std::move(msg));
  };
  const int fd = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return fail(SysError("cannot flush", temporary));
  }
  ::close(fd);
  ::chmod(temporary.c_str(), 0644);
  if (::rename(temporary.c_str(), path.c_str()) != 0) return fail(SysError("cannot move the new file into place at", path));
  fs::path parent = fs::path(path).parent_path();
  FsyncPath(parent.empty() ? "." : parent.string());
  return Status::Ok();
}

Status WriteFileAtomically(const std::string& path, const std::string& content) {
  const Result<std::string> tmp = CreateTemporarySibling(path);
  if (!tmp) return tmp.status();
  const int fd = ::open(tmp->c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  bool ok = fd >= 0 && WriteAll(fd, content);
  if (fd >= 0) ok = (::close(fd) == 0) && ok;
  if (!ok) {
    Status error = Status::IoError(SysError("cannot write (is the disk full?)", *tmp));
    std::error_code ec;
    fs::remove(*tmp, ec);
    return error;
  }
  return CommitTemporaryFile(*tmp, path);
}

struct StagedInputs::State {
  std::vector<std::pair<std::string, std::string>> sources;  // (path read, digest parsed)
  std::string dir;                                            // the temporary sibling, or empty
  std::vector<std::string> copies;                            // per source, in dir
  bool ok = false;
  std::atomic<bool> cancel{false};  // set when the run ends before Finish (it failed)
  std::thread worker;
};

namespace {

// Hashes the file open as `fd` from its start. False on a read error or cancel.
bool HashFile(int fd, Sha256Hasher* hash, std::string* buffer, const std::atomic<bool>& cancel) {
  off_t at = 0;
  while (!cancel.load(std::memory_order_relaxed)) {
    const ssize_t n = ::pread(fd, buffer->data(), buffer->size(), at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n == 0;
    hash->Update(std::string_view(buffer->data(), static_cast<std::size_t>(n)));
    at += n;
  }
  return false;
}

// Copies `from` to the new file `to` and flushes it; returns the hex digest of the copy as
// written, or empty on any failure. The kernel copies (copy_file_range) and the copy is then
// read back and hashed -- the digest is of the bundle's file itself. Where the kernel cannot
// (another file system, an old kernel), the bytes go through a buffer and are hashed on the
// way. Measured on the development machine (bench/RESULTS.md, issue 18): 251 MB copied and
// hashed in 0.25-0.30 s by the kernel, 0.22-1.10 s through a buffer (the copy into the page
// cache from a user buffer is erratic there).
std::string CopyHashed(const std::string& from, const std::string& to, const std::atomic<bool>& cancel) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return {};
  const int out = ::open(to.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0) {
    ::close(in);
    return {};
  }
  Sha256Hasher hash;
  std::string buffer(std::size_t{4} << 20, '\0');
  bool ok = true, by_kernel = true, copied_any = false;
  constexpr std::size_t kPiece = std::size_t{64} << 20;  // cancel is looked at between pieces
  while (!cancel.load(std::memory_order_relaxed)) {
    const ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, kPiece, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && !copied_any && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP || errno == EPERM)) {
      by_kernel = false;
      break;
    }
    if (n <= 0) {
      ok = n == 0;
      break;
    }
    copied_any = true;
  }
  if (by_kernel) {
    ok = ok && !cancel.load() && HashFile(out, &hash, &buffer, cancel);
  } else {
    while (!cancel.load(std::memory_order_relaxed)) {
      const ssize_t n = ::read(in, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ok = n == 0;
        break;
      }
      const std::string_view bytes(buffer.data(), static_cast<std::size_t>(n));
      hash.Update(bytes);
      if (!WriteAll(out, bytes)) {
        ok = false;
        break;
      }
    }
  }
  ok = !cancel.load() && ::fsync(out) == 0 && ok;
  ok = ::close(out) == 0 && ok;
  ::close(in);
  return ok ? hash.HexDigest() : std::string();
}

}  // namespace

StagedInputs::StagedInputs(const std::string& dir, std::vector<std::pair<std::string, std::string>> sources) : state_(std::make_unique<State>()) {
  state_->sources = std::move(sources);
  fs::path target = fs::path(dir).lexically_normal();
  if (target.filename().empty()) target = target.parent_path();
  fs::path parent = target.parent_path();
  if (parent.empty()) parent = ".";
  std::error_code ec;
  if (!fs::is_directory(parent, ec)) return;  // a parent made now would outlive a failed run
  std::string tmpl = (parent / (TempPrefix(target) + std::to_string(::getpid()) + "-inputs-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) return;
  state_->dir = tmpl;
  State* s = state_.get();
  s->worker = std::thread([s] {
    bool ok = true;
    for (std::size_t i = 0; i < s->sources.size() && ok; ++i) {
      s->copies.push_back(s->dir + "/" + std::to_string(i));
      ok = CopyHashed(s->sources[i].first, s->copies.back(), s->cancel) == s->sources[i].second;
    }
    s->ok = ok;
  });
}

StagedInputs::~StagedInputs() {
  state_->cancel = true;  // a run that failed does not wait for gigabytes to be copied
  if (state_->worker.joinable()) state_->worker.join();
  std::error_code ec;
  if (!state_->dir.empty()) fs::remove_all(state_->dir, ec);
}

void StagedInputs::Finish(std::vector<OutputFile>* files) {
  if (state_->worker.joinable()) state_->worker.join();
  if (!state_->ok) return;
  for (OutputFile& f : *files) {
    if (f.copy_of.empty()) continue;
    for (std::size_t i = 0; i < state_->sources.size(); ++i) {
      if (state_->sources[i].first == f.copy_of && state_->sources[i].second == f.sha256) {
        f.copy_of = state_->copies[i];
        f.link = true;
        f.verified = true;
        break;
      }
    }
  }
}

}  // namespace zkmatch
