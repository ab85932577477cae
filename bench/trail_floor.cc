// The audit trail's floor: the least a run's contract costs beyond placing, given the log's
// bytes. Timed the way `zkmatch run` is, as a process of its own:
//
//   /usr/bin/time ./build/bench/trail_floor /tmp/o-p /tmp/trail-out   # /tmp/o-p: a zkmatch run
//
// What `run` must do besides parse, rank and match (DESIGN.md, engine/audit-format.md), each done
// here the cheapest way this machine allows, with the engine's own primitives and on every core:
//   inputs  -- SHA-256 each recorded input (the manifest's digest) from the page cache, and copy it
//              into OUT/inputs/ by the kernel (copy_file_range; `run` also hashes its copy);
//   leaves  -- every line's Merkle leaf, on all cores, and the Merkle root;
//   zstd    -- a zstd frame per 4,096 lines at the engine's level, on all cores (the engine
//              interleaves these two per chunk in its pipeline);
//   write   -- the compressed log written to OUT and flushed (fsync), OUT's directory flushed.
// The log's lines are read from RUN_DIR before the clock starts (decompressed into memory): building
// them (JSON) is not counted, nor the outputs' CSV files, the manifest or the rename.
// After the clock, every digest and the Merkle root are checked against RUN_DIR's manifest.json,
// so the floor is known to have hashed the bytes the run did.
//
// So `floor_run` (parse, sort, place on one core) plus this is a floor for `run` with its audit
// trail. Both print CPU seconds: on C cores no program doing both can take less wall time than
// (floor CPU + trail CPU) / C. bench/RESULTS.md compares `run` with that bound.
#include <fcntl.h>
#include <sys/resource.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "audit_log.h"
#include "digest.h"
#include "merkle.h"
#include "run_format.h"

namespace {

namespace fs = std::filesystem;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "trail_floor: %s\n", what.c_str());
  std::exit(2);
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

// Wall and CPU seconds of one phase.
class Phase {
 public:
  explicit Phase(const char* name) : name_(name), wall_(std::chrono::steady_clock::now()), cpu_(CpuSeconds()) {}
  void Done(double* wall_total, double* cpu_total) const {
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_).count();
    const double cpu = CpuSeconds() - cpu_;
    std::printf("  %-7s wall %.3f s, cpu %.3f s\n", name_, wall, cpu);
    *wall_total += wall;
    *cpu_total += cpu;
  }

 private:
  const char* name_;
  std::chrono::steady_clock::time_point wall_;
  double cpu_;
};

// The SHA-256 of the file at `path`, read in pieces into one small buffer (the bytes are in the
// page cache: the floor has read them; no new memory for the whole file).
std::string HashFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) Die("cannot read " + path);
  zkmatch::Sha256Hasher hash;
  std::vector<char> buffer(std::size_t{1} << 20);
  while (true) {
    const ssize_t r = ::read(fd, buffer.data(), buffer.size());
    if (r < 0) Die("cannot read " + path);
    if (r == 0) break;
    hash.Update(std::string_view(buffer.data(), static_cast<std::size_t>(r)));
  }
  ::close(fd);
  return hash.HexDigest();
}

void CopyByKernel(const std::string& from, const std::string& to) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (in < 0 || out < 0) Die("cannot copy " + from + " to " + to);
  while (true) {
    const ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, std::size_t{1} << 30, 0);
    if (n < 0) Die("cannot copy " + from + " (copy_file_range)");
    if (n == 0) break;
  }
  if (::fsync(out) != 0) Die("cannot flush " + to);
  ::close(in);
  ::close(out);
}

void FsyncPath(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) Die("cannot flush " + path);
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: trail_floor RUN_DIR OUT  (RUN_DIR: a zkmatch run directory; OUT: a directory to create)\n");
    return 2;
  }
  const std::string run_dir = argv[1], out_dir = argv[2];
  if (fs::exists(out_dir)) Die(out_dir + " exists; give a new directory");

  // Before the clock: the log's lines, as the engine has them once it has built them.
  std::string text;
  {
    zkmatch::AuditLogReader reader;
    std::string error;
    if (!reader.Open(run_dir, &error) || !reader.ReadRest(&text)) Die("cannot read the audit log of " + run_dir + ": " + error + reader.error());
  }
  std::vector<std::string_view> lines;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    lines.emplace_back(text.data() + at, end - at);
    at = end + 1;
  }
  std::vector<std::string> inputs;
  for (const auto& entry : fs::directory_iterator(fs::path(run_dir) / "inputs")) {
    if (entry.is_regular_file()) inputs.push_back(entry.path().string());
  }
  std::sort(inputs.begin(), inputs.end());

  double wall = 0, cpu = 0;
  std::printf("trail_floor: %zu inputs, %zu log lines (%zu bytes)\n", inputs.size(), lines.size(), text.size());
  fs::create_directories(fs::path(out_dir) / "inputs");

  const Phase hash_inputs("inputs");
  std::vector<std::string> digests(inputs.size());
  tbb::parallel_for(std::size_t{0}, inputs.size(), [&](std::size_t i) {
    digests[i] = HashFile(inputs[i]);
    CopyByKernel(inputs[i], (fs::path(out_dir) / "inputs" / fs::path(inputs[i]).filename()).string());
  });
  hash_inputs.Done(&wall, &cpu);
  // The digests are the manifest's (after the clock): the floor hashed the bytes the run did.
  zkmatch::Manifest manifest;
  std::vector<zkmatch::Finding> findings;
  if (zkmatch::ReadManifest(run_dir, &manifest, &findings) != zkmatch::ReadStatus::kRead) Die("cannot read the manifest of " + run_dir);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string name = fs::path(inputs[i]).filename().string();
    const auto recorded = std::find_if(manifest.inputs.begin(), manifest.inputs.end(),
                                       [&](const zkmatch::ManifestInput& m) { return fs::path(m.path).filename().string() == name; });
    if (recorded == manifest.inputs.end() || recorded->sha256 != digests[i]) Die(inputs[i] + ": not the digest manifest.json records");
  }

  constexpr std::size_t kChunk = std::size_t{1} << 12;  // lines per frame, the engine's (audit_writer.cc)
  const std::size_t chunks = (lines.size() + kChunk - 1) / kChunk;
  const Phase leaves_phase("leaves");
  std::vector<zkmatch::MerkleHash> leaves(lines.size());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, lines.size(), kChunk), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) leaves[i] = zkmatch::MerkleLeafHash(lines[i]);
  });
  const std::string root = zkmatch::MerkleHex(zkmatch::MerkleRoot(leaves));
  leaves_phase.Done(&wall, &cpu);

  const Phase compress("zstd");
  std::vector<std::string> frames(chunks);
  tbb::enumerable_thread_specific<zkmatch::AuditFrameCompressor> compressors;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, chunks, 1), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t k = r.begin(); k != r.end(); ++k) {
      const std::size_t first = k * kChunk, last = std::min(lines.size(), first + kChunk);
      // The chunk's lines are contiguous in `text`, each with its '\n' (the last line may lack it).
      const char* begin = lines[first].data();
      const char* end = lines[last - 1].data() + lines[last - 1].size() + (last == lines.size() && text.back() != '\n' ? 0 : 1);
      compressors.local().AppendFrame(std::string_view(begin, static_cast<std::size_t>(end - begin)), &frames[k]);
    }
  });
  compress.Done(&wall, &cpu);

  const Phase write("write");
  const std::string log_path = (fs::path(out_dir) / "audit.jsonl.zst").string();
  const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) Die("cannot create " + log_path);
  std::size_t written = 0;
  for (const std::string& f : frames) {
    for (std::size_t at = 0; at < f.size();) {
      const ssize_t n = ::write(fd, f.data() + at, f.size() - at);
      if (n <= 0) Die("cannot write " + log_path);
      at += static_cast<std::size_t>(n);
    }
    written += f.size();
  }
  if (::fsync(fd) != 0) Die("cannot flush " + log_path);
  ::close(fd);
  FsyncPath((fs::path(out_dir) / "inputs").string());
  FsyncPath(out_dir);
  write.Done(&wall, &cpu);

  if (root != manifest.audit_root) Die("the Merkle root " + root + " is not manifest.json's " + manifest.audit_root);
  std::printf("  total   wall %.3f s, cpu %.3f s; log %zu bytes compressed; every digest and the Merkle root are manifest.json's\n", wall, cpu, written);
  return 0;
}
