#include "file_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>

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

// The body of both ReadRegularFile: `resize(n, kept)` makes the buffer n bytes long, keeping
// its first `kept`, and returns its start.
template <class Resize>
FileReadResult ReadInto(const std::string& path, std::uint64_t max_bytes, Resize resize, std::size_t* read_bytes) {
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
  std::size_t capacity = static_cast<std::size_t>(size) + 1;
  char* buffer = resize(capacity, 0);
  std::size_t got = 0;
  while (true) {
    if (got == capacity) {
      if (got > max_bytes) {
        r.kind = FileReadResult::kTooLarge;
        r.size = got;
        return r;
      }
      capacity = static_cast<std::size_t>(std::min<std::uint64_t>(max_bytes + 1, std::uint64_t{got} * 2 + 4096));
      buffer = resize(capacity, got);
    }
    const ssize_t n = ::read(f.fd, buffer + got, capacity - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      r.kind = FileReadResult::kReadError;
      r.what = std::strerror(errno);
      return r;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > max_bytes) {
    r.kind = FileReadResult::kTooLarge;
    r.size = got;
    return r;
  }
  *read_bytes = got;
  return r;
}

}  // namespace

FileReadResult ReadRegularFile(const std::string& path, std::uint64_t max_bytes, FileBytes* out) {
  out->clear();
  std::unique_ptr<char[]> buffer;
  auto resize = [&buffer](std::size_t n, std::size_t kept) {
    std::unique_ptr<char[]> larger = std::make_unique_for_overwrite<char[]>(n);  // not zeroed
    if (kept > 0) std::memcpy(larger.get(), buffer.get(), kept);
    buffer = std::move(larger);
    return buffer.get();
  };
  std::size_t got = 0;
  const FileReadResult r = ReadInto(path, max_bytes, resize, &got);
  if (r.kind == FileReadResult::kOk) {
    out->data_ = std::move(buffer);
    out->size_ = got;
  }
  return r;
}

FileReadResult ReadRegularFile(const std::string& path, std::uint64_t max_bytes, std::string* out) {
  auto resize = [out](std::size_t n, std::size_t) {
    out->resize(n);
    return out->data();
  };
  std::size_t got = 0;
  const FileReadResult r = ReadInto(path, max_bytes, resize, &got);
  if (r.kind == FileReadResult::kOk) {
    out->resize(got);
  } else {
    out->clear();
  }
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
