// Reading an input file whole, once, and only when it is a regular file.
//
// A named pipe would block forever in open(), /dev/zero or /dev/urandom never end, a socket or
// a device is not a file at all: all are refused before a byte is read (stat after following
// symlinks, then open with O_NONBLOCK and fstat again, so a path swapped for a FIFO in between
// cannot block either). The size limit is checked before reading and again while reading (a
// file that grows is cut off at the limit + 1 byte and refused).
//
// Thread-safety: reentrant. Cost: one read of the file into one buffer of its size.
#ifndef ZKMATCH_FILE_READ_H_
#define ZKMATCH_FILE_READ_H_

#include <cstdint>
#include <string>

namespace zkmatch {

struct FileReadResult {
  enum Kind { kOk, kNotFound, kDirectory, kNotRegular, kCannotOpen, kTooLarge, kReadError };
  Kind kind = kOk;
  std::string what;        // kNotRegular: "a named pipe (FIFO)", "a character device", ...; else strerror text
  std::uint64_t size = 0;  // kTooLarge: the size seen
};

// Reads the whole of `path` into `*out` when it is a regular file of at most `max_bytes` bytes.
FileReadResult ReadRegularFile(const std::string& path, std::uint64_t max_bytes, std::string* out);

// "is a named pipe (FIFO), not a regular file; give the path of a file" for kNotRegular.
std::string NotRegularMessage(const FileReadResult& r);

// The whole of a regular file of any size; *ok is false when it cannot be read (missing, not a
// regular file, an I/O error). For files zkmatch wrote itself (a run directory's outputs).
std::string ReadWholeFile(const std::string& path, bool* ok);

}  // namespace zkmatch

#endif  // ZKMATCH_FILE_READ_H_
