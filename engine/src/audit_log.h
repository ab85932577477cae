// How audit.jsonl is stored on disk: plain, or compressed with zstd as audit.jsonl.zst.
//
// The log's content -- its lines, their order, the Merkle tree over them (merkle.h) -- is the
// same in both forms (engine/audit-format.md); only the bytes on disk differ. A run writes
// audit.jsonl.zst unless asked for the plain file (`run --plain-audit`): the JSON lines of a
// province (1M candidates, ~375 bytes each) shrink about 18-fold, which saves most of the
// time spent writing the run and the memory the rendered log held. The compressed file is a
// sequence of independent zstd frames (RFC 8878; one per block of records, so blocks are
// compressed in parallel), which `zstdcat audit.jsonl.zst` or any zstd decoder reads as one
// stream. Readers accept either form, so runs written before compression still read.
//
// The compressed bytes are a function of the log's lines and of the zstd library's version
// (Debian 12: 1.5.4); the same build of zkmatch writes the same bytes at any thread count.
//
// Like JSON and SHA-256 this is part of the format, not of the matching: the writer, verify,
// explain, receipts and letters all read through it.
//
// Thread-safety: AuditFrameCompressor and AuditLogReader objects are not shared between
// threads; distinct objects may be used concurrently. Cost: linear in the log's bytes.
#ifndef ZKMATCH_AUDIT_LOG_H_
#define ZKMATCH_AUDIT_LOG_H_

#include <memory>
#include <string>
#include <string_view>

namespace zkmatch {

// Compresses blocks of log lines into zstd frames, at a fixed level (so the bytes do not
// depend on anything but the input and the library).
class AuditFrameCompressor {
 public:
  AuditFrameCompressor();
  ~AuditFrameCompressor();
  AuditFrameCompressor(const AuditFrameCompressor&) = delete;
  AuditFrameCompressor& operator=(const AuditFrameCompressor&) = delete;

  // Appends one frame holding `bytes` to `*out`.
  void AppendFrame(std::string_view bytes, std::string* out);

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

// The name of the log file in `run_dir`: audit.jsonl.zst when it exists, else audit.jsonl
// (which may not exist either).
std::string AuditLogFileName(const std::string& run_dir);

// Reads the log of `run_dir` line by line (without the '\n'), decompressing as it goes: the
// whole log is never in memory.
class AuditLogReader {
 public:
  AuditLogReader();
  ~AuditLogReader();
  AuditLogReader(const AuditLogReader&) = delete;
  AuditLogReader& operator=(const AuditLogReader&) = delete;

  // False, with *error ("cannot read DIR/audit.jsonl.zst: ..."), when neither file can be opened.
  bool Open(const std::string& run_dir, std::string* error);
  // The next line into *line; false at the end of the log or on damage (then error() is set).
  bool Next(std::string* line);
  // Every byte not yet read, as stored (the plain file's bytes; the compressed file's
  // decompressed): into *text. False on damage (error()).
  bool ReadRest(std::string* text);
  // Empty unless the compressed file is damaged (not zstd, cut short).
  const std::string& error() const { return error_; }
  // The path opened (DIR/audit.jsonl.zst or DIR/audit.jsonl). Messages about the log's lines
  // name it DIR/audit.jsonl, however stored.
  const std::string& path() const { return path_; }

 private:
  bool Fill();  // more decompressed bytes into buffer_; false at the end or on error

  struct Stream;
  std::unique_ptr<Stream> stream_;
  std::string path_, error_, buffer_;
  std::size_t pos_ = 0;
};

// Reads the log of `run_dir` in blocks of whole lines, in order, for a reader that works on many
// lines at once (verify; receipt, which keeps only the leaves and one line): the writer's frames
// are decompressed one block at a time, so the log's lines are never all in memory (867 MB for
// 1M hospital/residents records, against the 62 MB stored). A compressed file whose frames do
// not all record their sizes (another tool's), and a plain audit.jsonl, are read whole by Open,
// as ReadAuditLog does, and handed out in blocks the same way.
class AuditBlockReader {
 public:
  AuditBlockReader();
  ~AuditBlockReader();
  AuditBlockReader(const AuditBlockReader&) = delete;
  AuditBlockReader& operator=(const AuditBlockReader&) = delete;

  // False with *error -- ReadAuditLog's messages -- when the log cannot be read, is not zstd, or
  // is cut short; a frame header that is damaged is found here, before any line is read.
  bool Open(const std::string& run_dir, std::string* error);
  // The next lines, each with its '\n' (the log's last line may lack it), into *block: about
  // `bytes` of them, or the lines of the next whole frames when `bytes` is less than a frame
  // (more when a line is longer). False at the end of the log, and when a frame's
  // data is damaged -- found only when it is reached -- with *error set ("DIR/audit.jsonl.zst is
  // not a readable zstd file (...)").
  bool Next(std::size_t bytes, std::string* block, std::string* error);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The whole log of `run_dir` (every line with its '\n'), decompressed. False with *error when
// it cannot be read or is damaged.
bool ReadAuditLog(const std::string& run_dir, std::string* text, std::string* error);

// The lines held by the bytes of an audit.jsonl.zst (empty when they are not zstd).
std::string DecompressAuditLog(std::string_view compressed);

// The log `text` (lines with their '\n') as the bytes of an audit.jsonl.zst: frames of whole
// lines (not necessarily the writer's blocks). For tools and tests that rewrite a log.
std::string CompressAuditLog(std::string_view text);

}  // namespace zkmatch

#endif  // ZKMATCH_AUDIT_LOG_H_
