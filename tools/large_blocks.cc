// The command line's global operator new: blocks of 4 MiB or more get transparent huge pages
// (MADV_HUGEPAGE) and then have all their memory mapped at once (MADV_POPULATE_WRITE; blocks of
// 32 MiB or more by two threads), instead of one page fault per 4 KiB page as they are first
// written.
//
// Why: the large blocks zkmatch makes (an input file's text, the rows parsed from it, the
// rankings, the rendered outputs) are mostly written whole soon after they are made. On the
// virtual machines this project is measured on, the first write through each 4 KiB page table
// entry is slow whether or not the page was mapped before; a 2 MiB entry covers 512 of them.
// bench/page_bench (the first write of 256 MiB of new memory; bench/RESULTS.md, 2026-12-07
// 07:18): 654 ms with 4 KiB pages faulted one by one, 350 ms with them prefaulted, 23-27 ms with
// huge pages, faulted or prefaulted alike; a second write of the same memory takes 12 ms.
// (Memory the virtual machine has not used for a while costs about 1.3 s per GiB on its first
// write whatever the treatment: that is the host, and no advice changes it.)
//
// So every large block gets huge pages. The prefault comes after the advice, so it maps huge
// pages; it costs what faulting them would, and where transparent huge pages are off
// ("never") it still saves the 4 KiB faults (467 thousand of them in an hr 1M run before
// a9970db, 15-28 thousand after). hr 1M `run` went from 6.3-8.2 s to 3.7-5.6 s alternating with
// the old policy (4 KiB prefault below 768 MiB of live large blocks, huge pages faulted above),
// province 1M from 3.0-3.2 s to 2.35-2.40 s, at the same peak memory: `run`, `verify`, `replay`
// and `explain` write their large blocks whole, and `report` sizes its vectors before it fills
// them (a block grown by doubling would be mapped whole though only part of it holds data).
// At national scale, where the old policy already gave huge pages, the two are alike (province
// 17M: 35.9-47.0 s against 39.2-49.4 s, 7.48 GB both).
//
// Both calls are advice: where the kernel refuses one (MADV_POPULATE_WRITE needs Linux 5.14;
// transparent huge pages "never" ignores MADV_HUGEPAGE), the block works as is. Only the part of
// a block between its first and last 2 MiB boundaries can be a huge page; its ends stay 4 KiB
// pages. Everything is still malloc and free. Only the zkmatch executable and the benchmarks
// replace operator new (the library does not impose it on programs that link it), and not
// under the sanitizers, which replace it themselves.
#include "large_blocks.h"

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <new>
#include <thread>

#if ZKMATCH_LARGE_BLOCKS

namespace {

constexpr std::uintptr_t kPage = 4096;
constexpr std::uintptr_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kLargeBlock = std::size_t{4} << 20;
constexpr std::size_t kSplitPrefault = std::size_t{32} << 20;

// Advises [start + bytes) rounded inwards to `align` (a power of two), if anything is left.
void Advise(std::uintptr_t start, std::size_t bytes, std::uintptr_t align, int advice) {
  const auto begin = (start + align - 1) & ~(align - 1);
  const auto end = (start + bytes) & ~(align - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, advice);
}

// Prefaults [start, start + bytes). A block of kSplitPrefault or more is prefaulted in two parts
// at once, split at a 2 MiB boundary, the second on a thread of its own: the block's first write
// is then done by two cores (hr 1M `run` 4.75-5.79 s -> 4.30-5.03 s, province 17M 40.2 -> 33.7 s;
// bench/RESULTS.md), where the caller -- reading a file into the block, say -- would leave the
// other one idle. A thread costs tens of microseconds, nothing beside prefaulting 32 MiB. It
// does not know `--threads`: for those moments a run with --threads 1 uses a second core too.
// Where no thread can be had, or the machine has one core, all of it here.
void Prefault(std::uintptr_t start, std::size_t bytes) {
  static const bool two_cores = std::thread::hardware_concurrency() > 1;
  if (bytes >= kSplitPrefault && two_cores) {
    const std::uintptr_t middle = (start + bytes / 2) & ~(kHugePage - 1);
    try {
      std::thread second([=] { Advise(middle, start + bytes - middle, kPage, MADV_POPULATE_WRITE); });
      Advise(start, middle - start, kPage, MADV_POPULATE_WRITE);
      second.join();
      return;
    } catch (const std::exception&) {
      // No thread was started (std::system_error; std::bad_alloc for its state), so nothing is
      // prefaulted yet.
    }
  }
  Advise(start, bytes, kPage, MADV_POPULATE_WRITE);
}

void* Allocate(std::size_t bytes) {
  void* p = std::malloc(bytes == 0 ? 1 : bytes);
  if (p == nullptr) throw std::bad_alloc();
  if (bytes >= kLargeBlock) {
    const auto start = reinterpret_cast<std::uintptr_t>(p);
    Advise(start, bytes, kHugePage, MADV_HUGEPAGE);  // first, so that the prefault maps huge pages
    Prefault(start, bytes);
  }
  return p;
}

// Aligned blocks (no large ones in zkmatch) are not advised.
void* AllocateAligned(std::size_t bytes, std::align_val_t align) {
  const auto a = static_cast<std::size_t>(align);
  void* p = std::aligned_alloc(a, (bytes + a - 1) / a * a);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

void* operator new(std::size_t bytes) { return Allocate(bytes); }
void* operator new[](std::size_t bytes) { return Allocate(bytes); }
void* operator new(std::size_t bytes, const std::nothrow_t&) noexcept {
  try {
    return Allocate(bytes);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t bytes, const std::nothrow_t& tag) noexcept { return operator new(bytes, tag); }
void* operator new(std::size_t bytes, std::align_val_t align) { return AllocateAligned(bytes, align); }
void* operator new[](std::size_t bytes, std::align_val_t align) { return AllocateAligned(bytes, align); }
void* operator new(std::size_t bytes, std::align_val_t align, const std::nothrow_t&) noexcept {
  try {
    return AllocateAligned(bytes, align);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t bytes, std::align_val_t align, const std::nothrow_t& tag) noexcept { return operator new(bytes, align, tag); }

void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

#endif
