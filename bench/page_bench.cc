// What the first write of fresh memory costs under each page treatment tools/large_blocks.cc
// could give a large block: 4 KiB pages faulted one by one, 4 KiB pages prefaulted with
// MADV_POPULATE_WRITE, transparent huge pages faulted, and huge pages prefaulted (what the
// command line does). Each iteration maps 256 MiB of new memory, advises it, writes every byte
// once (memset) and unmaps it; the time includes the advice. A second write of the same memory
// is timed apart (BM_SecondWrite), as the floor of what writing costs once the pages are there.
//
// Why it is a benchmark of its own: on the virtual machines this project is measured on, the
// first write of each page table entry costs far more than the zeroing, so the treatment decides
// the speed of every step that makes a large block (bench/RESULTS.md, 2026-12-07 07:18).
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstring>
#include <optional>

namespace {

constexpr std::size_t kBytes = std::size_t{256} << 20;
constexpr std::uintptr_t kHugePage = std::size_t{2} << 20;

enum Treatment { kFault4k, kPopulate4k, kFaultHuge, kPopulateHuge };

// kBytes of new anonymous memory starting at a 2 MiB boundary, given treatment t and written
// once (the first write); unmapped when destroyed.
class FreshMemory {
 public:
  explicit FreshMemory(Treatment t) {
    map_ = mmap(nullptr, kMapBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map_ == MAP_FAILED) return;
    data_ = reinterpret_cast<char*>((reinterpret_cast<std::uintptr_t>(map_) + kHugePage - 1) & ~(kHugePage - 1));
    madvise(data_, kBytes, t == kFaultHuge || t == kPopulateHuge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    if (t == kPopulate4k || t == kPopulateHuge) madvise(data_, kBytes, MADV_POPULATE_WRITE);
    std::memset(data_, 1, kBytes);
    benchmark::DoNotOptimize(data_[kBytes - 1]);
  }
  ~FreshMemory() {
    if (map_ != MAP_FAILED) munmap(map_, kMapBytes);
  }
  FreshMemory(const FreshMemory&) = delete;
  FreshMemory& operator=(const FreshMemory&) = delete;
  char* data() const { return data_; }  // nullptr when mmap failed

 private:
  static constexpr std::size_t kMapBytes = kBytes + kHugePage;
  void* map_ = MAP_FAILED;
  char* data_ = nullptr;
};

void BM_FirstWrite(benchmark::State& state) {
  const auto t = static_cast<Treatment>(state.range(0));
  for (auto _ : state) {
    std::optional<FreshMemory> memory(std::in_place, t);  // timed: the map, the advice, the first write
    state.PauseTiming();
    const bool ok = memory->data() != nullptr;
    memory.reset();
    state.ResumeTiming();
    if (!ok) {
      state.SkipWithError("mmap failed");
      return;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(kBytes));
}

void BM_SecondWrite(benchmark::State& state) {
  const FreshMemory memory(static_cast<Treatment>(state.range(0)));
  if (memory.data() == nullptr) {
    state.SkipWithError("mmap failed");
    return;
  }
  for (auto _ : state) {
    std::memset(memory.data(), 2, kBytes);
    benchmark::DoNotOptimize(memory.data()[kBytes - 1]);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(kBytes));
}

void Treatments(benchmark::internal::Benchmark* b) {
  b->ArgName("treatment");
  for (int t = kFault4k; t <= kPopulateHuge; ++t) b->Arg(t);
  b->Unit(benchmark::kMillisecond);
}

}  // namespace

// treatment: 0 = 4 KiB pages faulted, 1 = 4 KiB prefaulted, 2 = huge pages faulted,
// 3 = huge pages prefaulted (tools/large_blocks.cc).
BENCHMARK(BM_FirstWrite)->Apply(Treatments)->MinTime(1.0);
BENCHMARK(BM_SecondWrite)->Apply(Treatments)->MinTime(0.5);

BENCHMARK_MAIN();
