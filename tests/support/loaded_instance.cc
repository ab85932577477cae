#include "support/loaded_instance.h"

#include <gtest/gtest.h>

#include <utility>

#include "zkmatch/diagnostics.h"
#include "zkmatch/pipeline.h"

namespace zkmatch::testing {

LoadedInstance LoadInstance(const std::string& rules_path) {
  DiagnosticSink sink;
  LoadedInstance l;
  auto first = [&](const Status& status) { return sink.diagnostics().empty() ? status.ToString() : sink.diagnostics()[0].Format(); };
  auto rules = LoadRules(rules_path, sink);
  EXPECT_TRUE(rules.ok()) << rules_path << ": " << first(rules.status());
  if (!rules) return l;
  l.rules = std::move(*rules);
  auto instance = LoadInputs(l.rules, sink);
  EXPECT_TRUE(instance.ok()) << rules_path << ": " << first(instance.status());
  if (!instance) return l;
  l.instance = std::move(*instance);
  return l;
}

}  // namespace zkmatch::testing
