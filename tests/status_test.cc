// Unit tests for status.h: Status and Result<T>, the one way the public API says whether a
// call worked, and the exit code each kind of failure gives.
#include "zkmatch/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "zkmatch/explain.h"
#include "zkmatch/generator.h"
#include "zkmatch/rules.h"

namespace zkmatch {
namespace {

TEST(Status, OkHasNoMessageAndExitsZero) {
  const Status ok = Status::Ok();
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.code(), StatusCode::kOk);
  EXPECT_EQ(ok.message(), "");
  EXPECT_EQ(ok.exit_code(), ExitCode::kSuccess);
  EXPECT_EQ(ok.ToString(), "ok");
  EXPECT_TRUE(Status().ok());
}

TEST(Status, EachKindHasItsExitCode) {
  EXPECT_EQ(Status::BadInput("x").exit_code(), ExitCode::kBadInput);
  EXPECT_EQ(Status::IoError("x").exit_code(), ExitCode::kBadInput);  // the user must act
  EXPECT_EQ(Status::Violation("x").exit_code(), ExitCode::kViolation);
  EXPECT_EQ(Status::Internal("x").exit_code(), ExitCode::kInternalError);
  EXPECT_EQ(Status::Violation("2 violations").ToString(), "violation: 2 violations");
  EXPECT_EQ(Status::IoError("disk full").ToString(), "i/o error: disk full");
}

TEST(Status, AFailureAlwaysSaysSomething) {
  EXPECT_EQ(Status::BadInput("").message(), "bad input");
  EXPECT_FALSE(Status::Internal("").message().empty());
}

TEST(Status, FromSinkCountsOnlyTheStepsOwnErrors) {
  DiagnosticSink sink;
  sink.Error("a.csv", 1, 0, "earlier");
  const std::size_t before = sink.error_count();
  sink.Error("rules.yaml", 3, 4, "one");
  sink.Error("rules.yaml", 5, 1, "two");
  sink.Warning("rules.yaml", 6, 1, "not counted");
  const Status s = Status::FromSink(sink, "the rules file", before);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_EQ(s.message(), "2 errors in the rules file");
  EXPECT_EQ(Status::FromSink(sink, "x").message(), "3 errors in x");
  // A step that failed without reporting anything is a bug, said as such.
  EXPECT_EQ(Status::FromSink(sink, "the step", sink.error_count()).code(), StatusCode::kInternal);
}

TEST(Result, HoldsAValueOrAFailedStatus) {
  Result<std::string> good = std::string("value");
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(good.status().ok());
  EXPECT_EQ(*good, "value");
  EXPECT_EQ(good->size(), 5u);

  const Result<std::string> bad = Status::BadInput("no such candidate");
  EXPECT_FALSE(bad.ok());
  EXPECT_FALSE(static_cast<bool>(bad));
  EXPECT_EQ(bad.status().message(), "no such candidate");
  EXPECT_EQ(bad.status().exit_code(), ExitCode::kBadInput);
}

TEST(Result, AnOkStatusWithoutAValueIsAnInternalError) {
  const Result<int> r = Status::Ok();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST(Result, MovesOutMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

TEST(ResultDeathTest, ReadingAFailedResultAborts) {
  const Result<int> r = Status::BadInput("x");
  EXPECT_DEATH({ (void)*r; }, "");
}

// The public API reports through Status: a few representative calls.
TEST(StatusInTheApi, LoadersAndVerbsSayWhatKindOfFailure) {
  DiagnosticSink sink;
  const Result<Rules> rules = ParseRules("name: x\nbatches: 3\n", "/r/rules.yaml", sink);
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(rules.status().code(), StatusCode::kBadInput);
  EXPECT_EQ(rules.status().message(),
            std::to_string(sink.error_count()) + (sink.error_count() == 1 ? " error" : " errors") + " in the rules file /r/rules.yaml");

  const Result<std::string> text = ExplainCandidate("/nonexistent-run", "1", Language::kEnglish);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().message(), "cannot read /nonexistent-run/audit.jsonl; is --run a directory written by zkmatch run?");

  const Result<std::vector<OutputFile>> files = Generate(GeneratorOptions{"nope", 0, 1});
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.status().code(), StatusCode::kBadInput);
  EXPECT_EQ(files.status().message().rfind("unknown profile 'nope'; known profiles: ", 0), 0u) << files.status().message();
}

}  // namespace
}  // namespace zkmatch
