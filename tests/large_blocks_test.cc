// The command line's operator new (tools/large_blocks.cc), linked into this test binary: a block
// of 4 MiB or more comes back mapped (prefaulted; 64 MiB: both halves, the second prefaulted on
// a thread of its own) and, where the kernel gives transparent huge pages to memory that asks,
// in huge pages; its bytes are the program's to keep, and a vector
// that grows through many large blocks keeps every value. The run-level effect (speed, peak
// memory) is measured in bench/RESULTS.md, never asserted here.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "large_blocks.h"

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

// What /proc/self/smaps says of the mappings that overlap [p, p + bytes) -- the advice splits a
// block's mapping in three: the part before its first 2 MiB boundary, the huge-page part, the
// rest.
struct Residence {
  long rss_kb = 0;          // resident
  long huge_kb = 0;         // AnonHugePages: resident in huge pages
  int thp_eligible = 0;     // mappings the kernel may give huge pages (THPeligible: 1)
};

// False if no mapping overlaps.
bool ResidentIn(const void* p, std::size_t bytes, Residence* r) {
  std::ifstream smaps("/proc/self/smaps");
  const auto from = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t to = from + bytes;
  std::string line;
  bool inside = false;
  bool found = false;
  while (std::getline(smaps, line)) {
    unsigned long begin = 0, end = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &begin, &end) == 2) {  // a mapping's first line; its fields follow
      inside = begin < to && end > from;
      found = found || inside;
      continue;
    }
    if (!inside) continue;
    long kb = 0;
    if (std::sscanf(line.c_str(), "Rss: %ld kB", &kb) == 1) r->rss_kb += kb;
    if (std::sscanf(line.c_str(), "AnonHugePages: %ld kB", &kb) == 1) r->huge_kb += kb;
    if (std::sscanf(line.c_str(), "THPeligible: %ld", &kb) == 1) r->thp_eligible += kb == 1;
  }
  return found;
}

std::string ReadFirstLine(const char* path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

// Whether 8 MiB of new memory, advised to huge pages and then prefaulted, gets any.
bool KernelGivesHugePages() {
  const std::size_t bytes = 8 * kMiB;
  void* map = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) return false;
  const auto aligned = (reinterpret_cast<std::uintptr_t>(map) + 2 * kMiB - 1) & ~(2 * kMiB - 1);
  madvise(reinterpret_cast<void*>(aligned), 4 * kMiB, MADV_HUGEPAGE);
  madvise(reinterpret_cast<void*>(aligned), 4 * kMiB, MADV_POPULATE_WRITE);
  Residence r;
  const bool got = ResidentIn(map, bytes, &r) && r.huge_kb > 0;
  munmap(map, bytes);
  return got;
}

// Linux 5.14 or later (MADV_POPULATE_WRITE).
bool KernelCanPrefault() {
  utsname u{};
  if (uname(&u) != 0) return false;
  int major = 0, minor = 0;
  if (std::sscanf(u.release, "%d.%d", &major, &minor) != 2) return false;
  return major > 5 || (major == 5 && minor >= 14);
}

TEST(LargeBlocks, ALargeBlockComesBackMappedAndInHugePages) {
#if !ZKMATCH_LARGE_BLOCKS
  GTEST_SKIP() << "the sanitizers replace operator new themselves";
#else
  if (!KernelCanPrefault()) GTEST_SKIP() << "MADV_POPULATE_WRITE needs Linux 5.14";
  const std::size_t bytes = 64 * kMiB;
  std::unique_ptr<char[]> block(new char[bytes]);  // not written yet
  Residence r;
  ASSERT_TRUE(ResidentIn(block.get(), bytes, &r));
  // Prefaulted: nearly all of it is resident before a byte was written (its ends may stay
  // outside whole pages).
  EXPECT_GE(r.rss_kb, static_cast<long>((bytes - 4 * kMiB) / 1024)) << "the block was not prefaulted";
  const std::string thp = ReadFirstLine("/sys/kernel/mm/transparent_hugepage/enabled");
  if (thp.empty() || thp.find("[never]") != std::string::npos) return;  // no huge pages to ask for
  // Asked for: under "madvise" only the advice makes the mapping eligible.
  EXPECT_GE(r.thp_eligible, 1) << "no part of the block was advised to huge pages (transparent_hugepage: " << thp << ")";
  // And given, between the block's first and last 2 MiB boundaries, unless the kernel has no
  // free huge pages to give: a control region advised and prefaulted here, in that order, tells.
  if (r.huge_kb == 0 && !KernelGivesHugePages()) GTEST_SKIP() << "the kernel gives no huge pages now (fragmented memory?)";
  EXPECT_GE(r.huge_kb, static_cast<long>(60 * kMiB / 1024)) << "the block is not in huge pages (advised after the prefault?)";
#endif
}

TEST(LargeBlocks, BlocksKeepTheirBytes) {
  // Blocks on both sides of the 4 MiB line, written and read back whole.
  for (const std::size_t bytes : {4 * kMiB - 1, 4 * kMiB, 4 * kMiB + 1, 9 * kMiB + 4097, 40 * kMiB + 3}) {
    std::unique_ptr<std::uint8_t[]> block(new std::uint8_t[bytes]);
    for (std::size_t i = 0; i < bytes; ++i) block[i] = static_cast<std::uint8_t>(i * 131 + bytes);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < bytes; ++i) wrong += block[i] != static_cast<std::uint8_t>(i * 131 + bytes);
    EXPECT_EQ(wrong, 0u) << bytes << " bytes";
  }
}

TEST(LargeBlocks, AVectorGrownThroughLargeBlocksKeepsEveryValue) {
  // 8M values: the vector moves through blocks of 4, 8, ... 64 MiB, each made by operator new
  // and the last one's contents copied in.
  std::vector<std::uint64_t> v;
  for (std::uint64_t i = 0; i < 8'000'000; ++i) v.push_back(i * 2654435761u);
  std::size_t wrong = 0;
  for (std::uint64_t i = 0; i < v.size(); ++i) wrong += v[i] != i * 2654435761u;
  EXPECT_EQ(wrong, 0u);
  v.assign(3'000'000, 7);  // zero-initialised and filled blocks are the program's to write
  EXPECT_EQ(std::count(v.begin(), v.end(), 7u), 3'000'000);
  std::vector<std::uint32_t> zeros(5'000'000);
  EXPECT_EQ(std::count(zeros.begin(), zeros.end(), 0u), 5'000'000);
}

}  // namespace
