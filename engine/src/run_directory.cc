#include "zkmatch/run_directory.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace zkmatch {
namespace {

namespace fs = std::filesystem;

std::string SysError(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

bool WriteAll(int fd, const std::string& data) {
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
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::string WriteRunDirectory(const std::string& dir, const std::vector<OutputFile>& files, bool force) {
  fs::path target = fs::path(dir).lexically_normal();
  if (target.filename().empty()) target = target.parent_path();
  fs::path parent = target.parent_path();
  if (parent.empty()) parent = ".";
  std::error_code ec;
  if (fs::exists(target, ec) && !force) {
    return "output directory '" + target.string() + "' already exists; choose another --out or add --force to replace it";
  }
  if (fs::exists(target, ec) && !fs::is_directory(target, ec)) {
    return "'" + target.string() + "' exists and is not a directory; choose another --out";
  }
  if (!fs::is_directory(parent, ec)) {
    // Like mkdir -p: missing parents are created (they are empty directories, not a result).
    fs::create_directories(parent, ec);
    if (ec || !fs::is_directory(parent, ec)) {
      return "cannot create the parent directory '" + parent.string() + "' of --out: " + (ec ? ec.message() : std::string("not a directory")) +
             "; choose another --out";
    }
  }
  std::string tmpl = (parent / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) return SysError("cannot create a temporary directory", tmpl);
  const std::string tmp = tmpl;
  auto fail = [&](std::string msg) {
    fs::remove_all(tmp, ec);
    return msg;
  };
  for (const OutputFile& f : files) {
    const std::string path = tmp + "/" + f.name;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return fail(SysError("cannot create", path));
    bool ok = WriteAll(fd, f.content) && ::fsync(fd) == 0;
    const int saved = errno;
    ok = (::close(fd) == 0) && ok;
    if (!ok) {
      errno = saved;
      return fail(SysError("cannot write (is the disk full?)", path));
    }
  }
  ::chmod(tmp.c_str(), 0755);
  if (!FsyncPath(tmp)) return fail(SysError("cannot flush", tmp));
  if (fs::exists(target, ec)) {
    // Replace: move the old directory aside, move the new one in, then delete the old one.
    std::string old = (parent / ("." + target.filename().string() + ".old-XXXXXX")).string();
    if (::mkdtemp(old.data()) == nullptr) return fail(SysError("cannot create a temporary directory", old));
    if (::rename(target.c_str(), (old + "/run").c_str()) != 0) return fail(SysError("cannot move aside", target.string()));
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
      std::string msg = SysError("cannot move the new run into place at", target.string());
      ::rename((old + "/run").c_str(), target.c_str());
      fs::remove_all(old, ec);
      return fail(msg);
    }
    FsyncPath(parent.string());
    fs::remove_all(old, ec);
    return {};
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) return fail(SysError("cannot move the new run into place at", target.string()));
  FsyncPath(parent.string());
  return {};
}

std::string CreateTemporarySibling(const std::string& path, std::string* error) {
  const fs::path target(path);
  fs::path parent = target.parent_path();
  if (parent.empty()) parent = ".";
  std::string tmpl = (parent / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    *error = SysError("cannot create a temporary file beside", path);
    return {};
  }
  ::close(fd);
  return tmpl;
}

std::string CommitTemporaryFile(const std::string& temporary, const std::string& path) {
  std::error_code ec;
  auto fail = [&](std::string msg) {
    fs::remove(temporary, ec);
    return msg;
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
  return {};
}

std::string WriteFileAtomically(const std::string& path, const std::string& content) {
  std::string error;
  const std::string tmp = CreateTemporarySibling(path, &error);
  if (tmp.empty()) return error;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  bool ok = fd >= 0 && WriteAll(fd, content);
  if (fd >= 0) ok = (::close(fd) == 0) && ok;
  if (!ok) {
    error = SysError("cannot write (is the disk full?)", tmp);
    std::error_code ec;
    fs::remove(tmp, ec);
    return error;
  }
  return CommitTemporaryFile(tmp, path);
}

}  // namespace zkmatch
