// The command line's global operator new: blocks of 4 MiB or more get their memory mapped in
// one call when they are made, instead of one page fault per 4 KiB page as they are first
// written -- or, at national scale, get transparent huge pages.
//
// Why: the large blocks zkmatch makes (an input file's text, the rows parsed from it, the
// rankings, the rendered outputs) are mostly written whole soon after they are made, and each
// 4 KiB page costs a page fault on first touch. In a virtual machine such a fault is several
// microseconds: a hospital/residents run of 1M candidates took 467 thousand faults and ~4 s of
// system time on this project's machine, a third of its wall time (bench/RESULTS.md). The
// pages come from glibc's mmap, fresh for each block, so the same faults recur for every block
// made after another was freed.
//
// Below kAdviseAbove (768 MiB) of large blocks alive -- every run of 1M candidates -- each block
// is prefaulted with madvise(MADV_POPULATE_WRITE) (Linux 5.14): the kernel maps all its pages
// in one call, so the run takes ~25 thousand faults instead of ~470 thousand, at the same peak
// memory (`run`, `verify`, `replay` and `explain` write their large blocks whole). The cost: a
// block that grows by doubling (a vector's push_back, a string's append) is mapped whole though
// only part of it may ever hold data -- `report` of province 1M peaks at 1,004 MB, not 863 MB.
//
// Above it -- a run at national scale, from its first file (candidates.csv, 808 MB at 17M) --
// the blocks are advised to transparent huge pages instead (MADV_HUGEPAGE): a fault maps 2 MiB,
// 21 thousand faults instead of 2.7 million for loading 17M candidates (14-26 s of system time
// before). Huge pages are not used below that size because a huge page is new memory zeroed
// whole on first touch: advising every large block made province 1M 0.7 s slower (clear_page
// 22% of the samples). Systems whose transparent huge pages are "madvise" (Debian's default)
// give huge pages only to memory that asks; "always" gives them anyway and "never" ignores the
// advice. Both calls are advice: where the kernel refuses one, the block works as is.
//
// Everything is still malloc and free. Only the zkmatch executable replaces operator new (the
// library does not impose it on programs that link it), and not under the sanitizers, which
// replace it themselves.
#include <malloc.h>
#include <sys/mman.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define ZKMATCH_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ZKMATCH_SANITIZED 1
#endif

#ifndef ZKMATCH_SANITIZED

namespace {

constexpr std::uintptr_t kPage = 4096;
constexpr std::uintptr_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kLargeBlock = std::size_t{4} << 20;
constexpr std::size_t kAdviseAbove = std::size_t{768} << 20;

// Bytes in live blocks of kLargeBlock or more (by malloc_usable_size, the same count when a
// block is made and when it is freed).
std::atomic<std::size_t> g_live_large{0};

void* Allocate(std::size_t bytes) {
  void* p = std::malloc(bytes == 0 ? 1 : bytes);
  if (p == nullptr) throw std::bad_alloc();
  const std::size_t usable = malloc_usable_size(p);
  if (usable >= kLargeBlock) {
    const std::size_t live = g_live_large.fetch_add(usable, std::memory_order_relaxed) + usable;
    const auto start = reinterpret_cast<std::uintptr_t>(p);
    if (live > kAdviseAbove) {
      const auto begin = (start + kHugePage - 1) & ~(kHugePage - 1);
      const auto end = (start + bytes) & ~(kHugePage - 1);
      if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
    } else {
      const auto begin = (start + kPage - 1) & ~(kPage - 1);
      const auto end = (start + bytes) & ~(kPage - 1);
      if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
    }
  }
  return p;
}

void Free(void* p) {
  if (p == nullptr) return;
  const std::size_t usable = malloc_usable_size(p);
  if (usable >= kLargeBlock) g_live_large.fetch_sub(usable, std::memory_order_relaxed);
  std::free(p);
}

// Aligned blocks (no large ones in zkmatch) are not counted: Free must not see them.
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

void operator delete(void* p) noexcept { Free(p); }
void operator delete[](void* p) noexcept { Free(p); }
void operator delete(void* p, std::size_t) noexcept { Free(p); }
void operator delete[](void* p, std::size_t) noexcept { Free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

#endif
