// The command line's global operator new: blocks of 4 MiB or more get transparent huge pages and
// have all their memory mapped in one call when they are made, instead of one page fault per
// 4 KiB page as they are first written.
//
// Why: the large blocks zkmatch makes (an input file's text, the rows parsed from it, the
// rankings, the rendered outputs) are mostly written whole soon after they are made. On the
// virtual machines this project is measured on, what costs is the first touch of each page
// table entry, not the zeroing: a standalone program (bench/RESULTS.md, 2026-12-07 07:20) wrote
// 1,000 MiB of fresh memory in
//   - 2.73 s when it faulted in 4 KiB pages (256 thousand faults);
//   - 1.33 s after madvise(MADV_POPULATE_WRITE) had mapped them (0.12 s), the first write of
//     each 4 KiB page still slow; a second write of the same memory took 0.05 s;
//   - 1.77 s with madvise(MADV_HUGEPAGE), faulting 2 MiB pages;
//   - 0.05 s with MADV_HUGEPAGE and then MADV_POPULATE_WRITE (0.05 s): 500 page table entries
//     instead of 256 thousand, all made in one call.
// So every large block gets both, in that order. hr 1M `run` went from 7.6-8.2 s to 4.8-5.3 s,
// province 17M from 49.4 s to 41.5 s, at the same peak memory: `run`, `verify`, `replay` and
// `explain` write their large blocks whole, and `report` sizes its vectors before it fills
// them (a block grown by doubling would be mapped whole though only part of it holds data).
// On a machine without a virtualized page table the same calls save the faults and the TLB
// misses and cost nothing more: the kernel zeroes the same pages, once.
//
// Both calls are advice: where the kernel refuses one (MADV_POPULATE_WRITE needs Linux 5.14;
// transparent huge pages "never" ignores MADV_HUGEPAGE), the block works as is. Only the part of
// a block between its first and last 2 MiB boundaries can be a huge page; its ends stay 4 KiB
// pages. Everything is still malloc and free. Only the zkmatch executable replaces operator new
// (the library does not impose it on programs that link it), and not under the sanitizers,
// which replace it themselves.
#include <sys/mman.h>

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

// Advises [start + bytes) rounded inwards to `align` (a power of two), if anything is left.
void Advise(std::uintptr_t start, std::size_t bytes, std::uintptr_t align, int advice) {
  const auto begin = (start + align - 1) & ~(align - 1);
  const auto end = (start + bytes) & ~(align - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, advice);
}

void* Allocate(std::size_t bytes) {
  void* p = std::malloc(bytes == 0 ? 1 : bytes);
  if (p == nullptr) throw std::bad_alloc();
  if (bytes >= kLargeBlock) {
    const auto start = reinterpret_cast<std::uintptr_t>(p);
    Advise(start, bytes, kHugePage, MADV_HUGEPAGE);  // first, so that the populate maps huge pages
    Advise(start, bytes, kPage, MADV_POPULATE_WRITE);
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
