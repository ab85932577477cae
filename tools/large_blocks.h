// Whether this build's tools/large_blocks.cc replaces the global operator new: everywhere but
// under the sanitizers, which replace it themselves. tests/large_blocks_test.cc reads it to know
// whether there is anything to test, so the two cannot disagree.
#ifndef ZKMATCH_TOOLS_LARGE_BLOCKS_H_
#define ZKMATCH_TOOLS_LARGE_BLOCKS_H_

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ZKMATCH_LARGE_BLOCKS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define ZKMATCH_LARGE_BLOCKS 0
#endif
#endif
#ifndef ZKMATCH_LARGE_BLOCKS
#define ZKMATCH_LARGE_BLOCKS 1
#endif

#endif  // ZKMATCH_TOOLS_LARGE_BLOCKS_H_
