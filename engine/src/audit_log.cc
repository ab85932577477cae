// See audit_log.h.
#include "audit_log.h"

#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "file_read.h"
#include "run_format.h"

namespace zkmatch {
namespace {

// zstd's default level: on the province log (`zstd -b`) 1,175 MB/s per core against level 1's
// 1,336, and 3% smaller (x18.9 against x18.3).
constexpr int kLevel = 3;

// The lines held by zstd `compressed`, into *text (sized once from the frames' recorded content
// sizes when they give them). False with *why ("is cut short ...", "is not a readable zstd file
// (...)") when the bytes are damaged.
bool Decompress(std::string_view compressed, std::string* text, std::string* why) {
  text->clear();
  // The frames' recorded content sizes, summed (the writer records them; a frame without one
  // leaves the size to growth).
  std::size_t total = 0;
  for (std::size_t pos = 0; pos < compressed.size();) {
    const unsigned long long content = ZSTD_getFrameContentSize(compressed.data() + pos, compressed.size() - pos);
    const std::size_t frame = ZSTD_findFrameCompressedSize(compressed.data() + pos, compressed.size() - pos);
    if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN || ZSTD_isError(frame)) break;
    total += static_cast<std::size_t>(content);
    pos += frame;
  }
  // A frame header is the file's word, not a fact: a forged size is not reserved beyond what
  // a log compresses to (about 18 to 1); growth covers the rest.
  text->reserve(std::min(total, compressed.size() * 64 + (std::size_t{1} << 20)));
  ZSTD_DStream* d = ZSTD_createDStream();
  ZSTD_initDStream(d);
  ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
  std::size_t last = 0;
  bool ok = true;
  while (in.pos < in.size) {
    const std::size_t at = text->size();
    // Into the room reserved; more only when the recorded sizes were short of it.
    text->resize(text->capacity() > at ? text->capacity() : at + ZSTD_DStreamOutSize());
    ZSTD_outBuffer out{text->data() + at, text->size() - at, 0};
    last = ZSTD_decompressStream(d, &out, &in);
    text->resize(at + out.pos);
    if (ZSTD_isError(last)) {
      *why = std::string("is not a readable zstd file (") + ZSTD_getErrorName(last) + ")";
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

struct AuditFrameCompressor::Context {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ~Context() { ZSTD_freeCCtx(cctx); }
};

AuditFrameCompressor::AuditFrameCompressor() : context_(std::make_unique<Context>()) {}
AuditFrameCompressor::~AuditFrameCompressor() = default;

void AuditFrameCompressor::AppendFrame(std::string_view bytes, std::string* out) {
  const std::size_t at = out->size();
  out->resize(at + ZSTD_compressBound(bytes.size()));
  const std::size_t n = ZSTD_compressCCtx(context_->cctx, out->data() + at, out->size() - at, bytes.data(), bytes.size(), kLevel);
  // With ZSTD_compressBound's room compression cannot fail but for a lack of memory.
  if (ZSTD_isError(n)) throw std::bad_alloc();
  out->resize(at + n);
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
      error_ = path_ + " is not a readable zstd file (" + ZSTD_getErrorName(s.last_result) + ")";
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
