// See audit_log.h.
#include "audit_log.h"

#include <zstd.h>

#include <tbb/blocked_range.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <new>
#include <vector>

#include "file_read.h"
#include "parallel.h"
#include "run_format.h"

namespace zkmatch {

// One frame of a compressed log: where its bytes are and where its lines go. (Outside the
// anonymous namespace: AuditBlockReader's state holds them.)
struct AuditFrame {
  std::size_t from = 0, bytes = 0;   // in the compressed bytes
  std::size_t at = 0, content = 0;   // in the lines
};

namespace {

// Level 1, zstd's fastest standard level. Measured on the logs' own frames of 4,096 records
// (bench/RESULTS.md, issue 18): hr 1M (867 MB of lines) 0.78 s and 62.0 MB against level 3's
// 1.01-1.06 s and 67.7 MB -- faster and smaller; province 1M 0.31-0.32 s and 20.6 MB against
// 0.34-0.36 s and 20.5 MB. (Until 2026-12-06 the log was written at level 3; any level reads the same.)
constexpr int kLevel = 1;

// "is not a readable zstd file (WHY)", the words every reader of the log uses for damaged bytes.
std::string NotZstd(const char* why) { return std::string("is not a readable zstd file (") + why + ")"; }

// The frames of `compressed`, when every frame records its content size and the sizes are
// plausible; else false (the stream decoder then reads it, and says what is wrong).
bool ListFrames(std::string_view compressed, std::vector<AuditFrame>* frames, std::size_t* total) {
  *total = 0;
  for (std::size_t pos = 0; pos < compressed.size();) {
    const unsigned long long content = ZSTD_getFrameContentSize(compressed.data() + pos, compressed.size() - pos);
    const std::size_t bytes = ZSTD_findFrameCompressedSize(compressed.data() + pos, compressed.size() - pos);
    if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN || ZSTD_isError(bytes)) return false;
    frames->push_back({pos, bytes, *total, static_cast<std::size_t>(content)});
    *total += static_cast<std::size_t>(content);
    pos += bytes;
  }
  // A frame header is the file's word, not a fact: no more is allocated than a log compresses
  // to (about 18 to 1); a larger claim goes to the stream decoder, which grows as it reads.
  return *total <= compressed.size() * 64 + (std::size_t{1} << 20);
}

// The lines held by zstd `compressed`, into *text. False with *why ("is cut short ...", "is not
// a readable zstd file (...)") when the bytes are damaged. The writer's frames (audit_log.h)
// record their sizes, so the lines are sized once and the frames decompressed in parallel;
// anything else is read as one stream.
bool Decompress(std::string_view compressed, std::string* text, std::string* why) {
  text->clear();
  std::vector<AuditFrame> frames;
  std::size_t total = 0;
  if (ListFrames(compressed, &frames, &total)) {
    text->resize(total);
    std::atomic<bool> all{true};
    ParallelFor(tbb::blocked_range<std::size_t>(0, frames.size()), [&](const tbb::blocked_range<std::size_t>& range) {
      ZSTD_DCtx* d = ZSTD_createDCtx();
      for (std::size_t i = range.begin(); i < range.end(); ++i) {
        const AuditFrame& f = frames[i];
        const std::size_t got = ZSTD_decompressDCtx(d, text->data() + f.at, f.content, compressed.data() + f.from, f.bytes);
        if (ZSTD_isError(got) || got != f.content) all.store(false);
      }
      ZSTD_freeDCtx(d);
    });
    if (all.load()) return true;
    text->clear();  // a frame lied about its size or is damaged: the stream decoder says how
  }
  ZSTD_DStream* d = ZSTD_createDStream();
  ZSTD_initDStream(d);
  ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
  std::size_t last = 0;
  bool ok = true;
  while (in.pos < in.size) {
    const std::size_t at = text->size();
    text->resize(at + ZSTD_DStreamOutSize());
    ZSTD_outBuffer out{text->data() + at, text->size() - at, 0};
    last = ZSTD_decompressStream(d, &out, &in);
    text->resize(at + out.pos);
    if (ZSTD_isError(last)) {
      *why = NotZstd(ZSTD_getErrorName(last));
      ok = false;
      break;
    }
  }
  ZSTD_freeDStream(d);
  if (ok && last != 0) {
    *why = "is cut short (its last zstd frame is incomplete)";
    ok = false;
  }
  return ok;
}

}  // namespace

// A frame is compressed into the compressor's own buffer, kept from frame to frame, and only its
// bytes are appended to the caller's string. Compressing straight into the string meant growing
// it by ZSTD_compressBound (a little more than the input) first: every frame zero-filled and
// first-touched ~1.5 MB of new memory to keep ~1/18 of it -- as much memory written as the log
// itself (bench/RESULTS.md, 2026-12-07 13:50).
struct AuditFrameCompressor::Context {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  std::unique_ptr<char[]> buffer;
  std::size_t capacity = 0;
  ~Context() { ZSTD_freeCCtx(cctx); }
};

AuditFrameCompressor::AuditFrameCompressor() : context_(std::make_unique<Context>()) {}
AuditFrameCompressor::~AuditFrameCompressor() = default;

void AuditFrameCompressor::AppendFrame(std::string_view bytes, std::string* out) {
  Context& c = *context_;
  const std::size_t bound = ZSTD_compressBound(bytes.size());
  if (c.capacity < bound) {
    c.buffer = std::make_unique_for_overwrite<char[]>(bound);
    c.capacity = bound;
  }
  const std::size_t n = ZSTD_compressCCtx(c.cctx, c.buffer.get(), c.capacity, bytes.data(), bytes.size(), kLevel);
  // With ZSTD_compressBound's room compression cannot fail but for a lack of memory.
  if (ZSTD_isError(n)) throw std::bad_alloc();
  out->append(c.buffer.get(), n);
}

std::string AuditLogFileName(const std::string& run_dir) {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::path(run_dir) / kCompressedAuditFile, ec) ? kCompressedAuditFile : kAuditFile;
}

struct AuditLogReader::Stream {
  std::ifstream in;
  ZSTD_DStream* dstream = nullptr;  // null for the plain file
  std::string input;
  ZSTD_inBuffer in_buffer{nullptr, 0, 0};
  std::size_t last_result = 0;  // 0 when the last frame read is complete
  bool input_done = false;
  ~Stream() {
    if (dstream != nullptr) ZSTD_freeDStream(dstream);
  }
};

AuditLogReader::AuditLogReader() = default;
AuditLogReader::~AuditLogReader() = default;

bool AuditLogReader::Open(const std::string& run_dir, std::string* error) {
  const std::string name = AuditLogFileName(run_dir);
  path_ = (std::filesystem::path(run_dir) / name).string();
  stream_ = std::make_unique<Stream>();
  stream_->in.open(path_, std::ios::binary);
  if (!stream_->in) {
    *error = "cannot read " + (std::filesystem::path(run_dir) / kAuditFile).string() + "; is --run a directory written by zkmatch run?";
    return false;
  }
  if (name == kCompressedAuditFile) {
    stream_->dstream = ZSTD_createDStream();
    ZSTD_initDStream(stream_->dstream);
    stream_->input.resize(ZSTD_DStreamInSize());
  }
  return true;
}

bool AuditLogReader::Fill() {
  Stream& s = *stream_;
  const std::size_t chunk = 1 << 20;
  if (s.dstream == nullptr) {
    const std::size_t at = buffer_.size();
    buffer_.resize(at + chunk);
    s.in.read(buffer_.data() + at, static_cast<std::streamsize>(chunk));
    buffer_.resize(at + static_cast<std::size_t>(s.in.gcount()));
    return buffer_.size() > at;
  }
  const std::size_t before = buffer_.size();
  while (buffer_.size() == before) {
    if (s.in_buffer.pos == s.in_buffer.size) {
      if (s.input_done) {
        if (s.last_result != 0) error_ = path_ + " is cut short (its last zstd frame is incomplete)";
        return false;
      }
      s.in.read(s.input.data(), static_cast<std::streamsize>(s.input.size()));
      s.in_buffer = {s.input.data(), static_cast<std::size_t>(s.in.gcount()), 0};
      if (s.in_buffer.size == 0) {
        s.input_done = true;
        continue;
      }
    }
    const std::size_t at = buffer_.size();
    buffer_.resize(at + ZSTD_DStreamOutSize());
    ZSTD_outBuffer out{buffer_.data() + at, buffer_.size() - at, 0};
    s.last_result = ZSTD_decompressStream(s.dstream, &out, &s.in_buffer);
    buffer_.resize(at + out.pos);
    if (ZSTD_isError(s.last_result)) {
      error_ = path_ + " " + NotZstd(ZSTD_getErrorName(s.last_result));
      return false;
    }
  }
  return true;
}

bool AuditLogReader::Next(std::string* line) {
  if (!stream_) return false;
  for (;;) {
    const std::size_t nl = buffer_.find('\n', pos_);
    if (nl != std::string::npos) {
      line->assign(buffer_, pos_, nl - pos_);
      pos_ = nl + 1;
      return true;
    }
    buffer_.erase(0, pos_);
    pos_ = 0;
    if (!Fill()) {
      if (buffer_.empty() || !error_.empty()) return false;
      line->swap(buffer_);  // a last line without '\n'
      buffer_.clear();
      return true;
    }
  }
}

bool AuditLogReader::ReadRest(std::string* text) {
  if (!stream_) return false;
  buffer_.erase(0, pos_);
  pos_ = 0;
  while (Fill()) {
  }
  text->swap(buffer_);
  buffer_.clear();
  return error_.empty();
}

bool ReadAuditLog(const std::string& run_dir, std::string* text, std::string* error) {
  AuditLogReader reader;
  if (!reader.Open(run_dir, error)) return false;
  if (AuditLogFileName(run_dir) == kCompressedAuditFile) {
    // Whole: the compressed bytes are small, and the lines are then sized once.
    bool ok = false;
    const std::string compressed = ReadWholeFile(reader.path(), &ok);
    std::string why;
    if (!ok) why = "cannot be read";
    if (!ok || !Decompress(compressed, text, &why)) {
      *error = reader.path() + " " + why;
      return false;
    }
    return true;
  }
  if (!reader.ReadRest(text)) {
    *error = reader.error().empty() ? "cannot read " + reader.path() : reader.error();
    return false;
  }
  return true;
}


struct AuditBlockReader::State {
  std::string path;                 // DIR/audit.jsonl.zst, for messages
  std::string compressed;           // the file's bytes, when its frames are read one by one
  std::vector<AuditFrame> frames;
  std::size_t next_frame = 0;
  std::string whole;                // else: every line, read by Open
  std::size_t whole_pos = 0;
  std::string carry;                // the start of a line that a frame did not finish
  ZSTD_DCtx* dctx = nullptr;
  ~State() {
    if (dctx != nullptr) ZSTD_freeDCtx(dctx);
  }
};

AuditBlockReader::AuditBlockReader() = default;
AuditBlockReader::~AuditBlockReader() = default;

bool AuditBlockReader::Open(const std::string& run_dir, std::string* error) {
  state_ = std::make_unique<State>();
  State& s = *state_;
  if (AuditLogFileName(run_dir) == kCompressedAuditFile) {
    s.path = (std::filesystem::path(run_dir) / kCompressedAuditFile).string();
    bool ok = false;
    s.compressed = ReadWholeFile(s.path, &ok);
    std::size_t total = 0;
    if (ok && ListFrames(s.compressed, &s.frames, &total)) {
      s.dctx = ZSTD_createDCtx();
      if (s.dctx == nullptr) throw std::bad_alloc();
      return true;
    }
    s.compressed.clear();
    s.frames.clear();
  }
  return ReadAuditLog(run_dir, &s.whole, error);
}

bool AuditBlockReader::Next(std::size_t bytes, std::string* block, std::string* error) {
  block->clear();
  if (!state_) return false;
  State& s = *state_;
  bytes = std::max<std::size_t>(bytes, 1);  // at least one line a block, so every call moves on
  if (s.dctx == nullptr) {  // read whole: up to `bytes`, then to the end of that line
    if (s.whole_pos >= s.whole.size()) return false;
    std::size_t end = s.whole_pos + std::min(bytes, s.whole.size() - s.whole_pos);
    if (end < s.whole.size()) {
      const std::size_t nl = s.whole.find('\n', end == 0 ? 0 : end - 1);
      end = nl == std::string::npos ? s.whole.size() : nl + 1;
    }
    block->assign(s.whole, s.whole_pos, end - s.whole_pos);
    s.whole_pos = end;
    return true;
  }
  block->swap(s.carry);
  while (s.next_frame < s.frames.size()) {
    const AuditFrame& f = s.frames[s.next_frame++];
    const std::size_t at = block->size();
    block->resize(at + f.content);
    const std::size_t got = ZSTD_decompressDCtx(s.dctx, block->data() + at, f.content, s.compressed.data() + f.from, f.bytes);
    if (ZSTD_isError(got) || got != f.content) {
      *error = s.path + " " + NotZstd(ZSTD_isError(got) ? ZSTD_getErrorName(got) : "a frame holds other than its header says");
      block->clear();
      s.next_frame = s.frames.size();
      return false;
    }
    if (block->size() < bytes || s.next_frame == s.frames.size()) continue;
    const std::size_t nl = block->rfind('\n');
    if (nl == std::string::npos) continue;  // one line longer than the frames so far
    s.carry.assign(*block, nl + 1);
    block->resize(nl + 1);
    return true;
  }
  return !block->empty();
}

std::string DecompressAuditLog(std::string_view compressed) {
  std::string text, why;
  if (!Decompress(compressed, &text, &why)) text.clear();
  return text;
}

std::string CompressAuditLog(std::string_view text) {
  AuditFrameCompressor compressor;
  std::string out;
  constexpr std::size_t kFrame = 1 << 20;
  std::size_t from = 0;
  while (from < text.size()) {
    std::size_t to = std::min(text.size(), from + kFrame);
    if (to < text.size()) {
      const std::size_t nl = text.rfind('\n', to - 1);
      to = nl == std::string_view::npos || nl < from ? text.size() : nl + 1;
    }
    compressor.AppendFrame(text.substr(from, to - from), &out);
    from = to;
  }
  return out;
}

}  // namespace zkmatch
