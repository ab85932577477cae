// The command line's global operator new: large blocks are given to the kernel's transparent
// huge pages (madvise MADV_HUGEPAGE) before they are first touched.
//
// Why: a run at national scale touches ~10 GB of fresh memory (the input files' text, the rows
// parsed from them, the rankings, the rendered outputs). Each 4 KiB page costs a page fault,
// and in a virtual machine a fault is several microseconds: 2.7 million faults and 14-26 s of
// system time for loading 17M candidates (bench/RESULTS.md). With huge pages a fault maps
// 2 MiB: ~19 thousand faults, and the load took 14-21 s instead of 22-30 s on the same machine.
// A huge page is zeroed whole on first touch, which costs where little of it is used; at 1M
// (hr, four alternating pairs) runs were no slower for it. A threshold of 256 MiB instead of
// 4 MiB lost most of the gain at 17M (check 22-27 s against 17-21 s).
// Systems whose transparent huge pages are set to "madvise" (Debian's default) give them only
// to memory that asks; "always" gives them anyway and "never" ignores the advice.
//
// Everything is still malloc and free: a block of kHugeBlock bytes or more comes from glibc's
// mmap (fresh, untouched), and the advice covers the whole 2 MiB pages inside it. Smaller
// blocks are left alone. Only the zkmatch executable replaces operator new (the library does
// not impose it on programs that link it), and not under the sanitizers, which replace it
// themselves.
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

constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kHugeBlock = std::size_t{4} << 20;

void* Allocate(std::size_t bytes) {
  void* p = std::malloc(bytes == 0 ? 1 : bytes);
  if (p == nullptr) throw std::bad_alloc();
  if (bytes >= kHugeBlock) {
    const auto begin = (reinterpret_cast<std::uintptr_t>(p) + kHugePage - 1) & ~(kHugePage - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(kHugePage - 1);
    // Advice only: where it is refused (no transparent huge pages) the block works as is.
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  }
  return p;
}

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
