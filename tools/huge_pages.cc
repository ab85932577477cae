// The command line's global operator new: at national scale, large blocks are given to the
// kernel's transparent huge pages (madvise MADV_HUGEPAGE) before they are first touched.
//
// Why: a run at national scale touches ~10 GB of fresh memory (the input files' text, the rows
// parsed from them, the rankings, the rendered outputs). Each 4 KiB page costs a page fault,
// and in a virtual machine a fault of memory the host has not backed yet is several
// microseconds: 2.7 million faults and 14-26 s of system time for loading 17M candidates
// (bench/RESULTS.md). With huge pages a fault maps 2 MiB: ~21 thousand faults, and the load
// took 15-21 s instead of 21-29 s on the same machine.
//
// Why only above kAdviseAbove (768 MiB) of large blocks alive: a smaller run reuses the pages its
// earlier steps freed, which cost little to map again, while a huge page is new memory zeroed
// whole on first touch: advising every large block made province 1M 0.7 s slower on this
// project's virtual machine (clear_page 22% of the samples; four alternating pairs). So the
// advice starts once the blocks alive pass 768 MiB -- which a 1M run never does (421-582 MiB
// of large blocks at its peak: province, hr, hr by program) and a 17M run does from its first
// file (candidates.csv, 808 MB). Systems whose transparent huge pages are
// "madvise" (Debian's default) give huge pages only to memory that asks; "always" gives them
// anyway and "never" ignores the advice.
//
// Everything is still malloc and free: a block of kLargeBlock or more comes from glibc's mmap
// (fresh, untouched), and the advice covers the whole 2 MiB pages inside it. Only the zkmatch
// executable replaces operator new (the library does not impose it on programs that link it),
// and not under the sanitizers, which replace it themselves.
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

constexpr std::size_t kHugePage = std::size_t{2} << 20;
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
    const auto begin = (reinterpret_cast<std::uintptr_t>(p) + kHugePage - 1) & ~(kHugePage - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(kHugePage - 1);
    // Advice only: where it is refused (no transparent huge pages) the block works as is.
    if (live > kAdviseAbove && end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
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
