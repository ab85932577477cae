#include "file_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace zkmatch {
namespace {

const char* KindOf(mode_t mode) {
  if (S_ISFIFO(mode)) return "a named pipe (FIFO)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}

// Classifies a stat result; kOk for a regular file.
FileReadResult Classify(const struct stat& st) {
  FileReadResult r;
  if (S_ISDIR(st.st_mode)) {
    r.kind = FileReadResult::kDirectory;
  } else if (!S_ISREG(st.st_mode)) {
    r.kind = FileReadResult::kNotRegular;
    r.what = KindOf(st.st_mode);
  }
  return r;
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

FileReadResult ReadRegularFile(const std::string& path, std::uint64_t max_bytes, std::string* out) {
  FileReadResult r;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    r.kind = errno == ENOENT ? FileReadResult::kNotFound : FileReadResult::kCannotOpen;
    r.what = std::strerror(errno);
    return r;
  }
  if (r = Classify(st); r.kind != FileReadResult::kOk) return r;
  Fd f;
  // O_NONBLOCK: should the path have become a FIFO since the stat, open must not wait for a writer.
  f.fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (f.fd < 0) {
    r.kind = FileReadResult::kCannotOpen;
    r.what = std::strerror(errno);
    return r;
  }
  if (::fstat(f.fd, &st) != 0) {
    r.kind = FileReadResult::kReadError;
    r.what = std::strerror(errno);
    return r;
  }
  if (r = Classify(st); r.kind != FileReadResult::kOk) return r;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes) {
    r.kind = FileReadResult::kTooLarge;
    r.size = size;
    return r;
  }
  // One buffer of the file's size (+1 byte, to see a file that grew); grows only if it did.
  out->resize(static_cast<std::size_t>(size) + 1);
  std::size_t got = 0;
  while (true) {
    if (got == out->size()) {
      if (got > max_bytes) {
        r.kind = FileReadResult::kTooLarge;
        r.size = got;
        out->clear();
        return r;
      }
      out->resize(std::min<std::uint64_t>(max_bytes + 1, std::uint64_t{got} * 2 + 4096));
    }
    const ssize_t n = ::read(f.fd, out->data() + got, out->size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      r.kind = FileReadResult::kReadError;
      r.what = std::strerror(errno);
      out->clear();
      return r;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > max_bytes) {
    r.kind = FileReadResult::kTooLarge;
    r.size = got;
    out->clear();
    return r;
  }
  out->resize(got);
  return r;
}

std::string NotRegularMessage(const FileReadResult& r) {
  return "is " + r.what + ", not a regular file; give the path of a file";
}

std::string ReadWholeFile(const std::string& path, bool* ok) {
  std::string out;
  *ok = ReadRegularFile(path, std::numeric_limits<std::uint64_t>::max(), &out).kind == FileReadResult::kOk;
  return out;
}

}  // namespace zkmatch
