// Smoke tests of the command line itself: --version answers, an unknown verb is a usage error
// (exit 2). The two rule files of DESIGN.md's contract run end to end, byte for byte, in
// fixtures_test (fixtures/cases/plain and fixtures/cases/two-rankings).
#include <gtest/gtest.h>

#include "support/test_env.h"

namespace zkmatch::testing {
namespace {

TEST(Smoke, VersionFlagWorks) {
  CommandResult r = RunCommand("'" + ZkmatchBinary() + "' --version", SourceDir());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("zkmatch "), std::string::npos);
}

TEST(Smoke, UnknownVerbIsUsageError) {
  CommandResult r = RunCommand("'" + ZkmatchBinary() + "' frobnicate", SourceDir());
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace zkmatch::testing
