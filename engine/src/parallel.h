// Fork-join parallel loops and sorts over oneTBB, with the ordering TBB guarantees made visible
// to ThreadSanitizer.
//
// ParallelFor(range, body) is tbb::parallel_for; ParallelSort(first, last, less) is
// tbb::parallel_sort. In a normal build they are exactly those calls.
//
// Under ThreadSanitizer (the tsan preset): Debian's libtbb is not built with -fsanitize=thread,
// so the hand-off of a task to a worker and the wait for the workers go through atomics inside
// libtbb.so that TSan cannot see. Every read in a worker of data the caller wrote before the loop
// would then be reported as a race. ParallelFor states the fork-join edges TBB provides: the
// caller releases a token before the loop and every body acquires it before running; every body
// releases a second token when done and the caller acquires it after the loop. Bodies running
// concurrently get no edge between them, so races among them are still reported. The reads of
// the task object that TBB itself copied (the body's address and the subrange) are made outside
// TSan's view, as they are TBB's plumbing. ParallelSort is std::sort under TSan: the result is
// the same whenever `less` is a strict total order (as every use here is), and the sort itself is
// TBB's code, whose element hand-offs TSan cannot follow either.
//
// Thread-safety: as tbb::parallel_for; `body` is called concurrently on disjoint subranges.
#ifndef ZKMATCH_PARALLEL_H_
#define ZKMATCH_PARALLEL_H_

#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>

#if defined(__SANITIZE_THREAD__)  // GCC
#define ZKMATCH_TSAN 1
#elif defined(__has_feature)      // clang
#if __has_feature(thread_sanitizer)
#define ZKMATCH_TSAN 1
#endif
#endif

#ifdef ZKMATCH_TSAN
#include <algorithm>
#include <sanitizer/tsan_interface.h>
extern "C" void AnnotateIgnoreReadsBegin(const char* file, int line);
extern "C" void AnnotateIgnoreReadsEnd(const char* file, int line);
#endif

namespace zkmatch {

template <typename Range, typename Body>
void ParallelFor(const Range& range, const Body& body) {
#ifdef ZKMATCH_TSAN
  char fork = 0, join = 0;  // addresses only: TSan's synchronisation objects
  __tsan_release(&fork);
  tbb::parallel_for(range, [&](const Range& r) {
    AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
    const Body* b = &body;
    char* fork_token = &fork;
    char* join_token = &join;
    const Range subrange(r);
    AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
    __tsan_acquire(fork_token);
    (*b)(subrange);
    __tsan_release(join_token);
  });
  __tsan_acquire(&join);
#else
  tbb::parallel_for(range, body);
#endif
}

template <typename Iterator, typename Less>
void ParallelSort(Iterator first, Iterator last, const Less& less) {
#ifdef ZKMATCH_TSAN
  std::sort(first, last, less);
#else
  tbb::parallel_sort(first, last, less);
#endif
}

// Happens-before edges TSan cannot see elsewhere: where a tbb::parallel_pipeline hands an item
// from one filter to the next (possibly another thread), or one invocation of a serial filter
// follows the previous one. The handing thread calls HappensBefore(token) after its last write,
// the taking thread HappensAfter(token) before its first read. `token` is any address standing
// for the hand-off (the item, or a static object for a filter). No-ops outside TSan builds.
inline void HappensBefore(const void* token) {
#ifdef ZKMATCH_TSAN
  __tsan_release(const_cast<void*>(token));
#else
  (void)token;
#endif
}
inline void HappensAfter(const void* token) {
#ifdef ZKMATCH_TSAN
  __tsan_acquire(const_cast<void*>(token));
#else
  (void)token;
#endif
}

}  // namespace zkmatch

#endif  // ZKMATCH_PARALLEL_H_
