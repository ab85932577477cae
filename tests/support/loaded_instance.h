// Test-only: a rules file and the instance it loads, for unit tests of the steps that read them
// (ranking, the verifier's references). Lines are left to the caller: each computes them its own
// way (the engine's ComputeLines or the verifier's verify::Lines).
#ifndef ZKMATCH_TESTS_SUPPORT_LOADED_INSTANCE_H_
#define ZKMATCH_TESTS_SUPPORT_LOADED_INSTANCE_H_

#include <string>
#include <vector>

#include "expression.h"
#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace zkmatch::testing {

struct LoadedInstance {
  Rules rules;
  Instance instance;
  std::vector<Score> lines;
  EvalContext Context() const { return EvalContext{instance.candidates, instance.programs, &lines, &instance.program_scores}; }
};

// Loads `rules_path` and its inputs. A loading error fails the test (with the first message)
// and returns what was loaded so far.
LoadedInstance LoadInstance(const std::string& rules_path);

}  // namespace zkmatch::testing

#endif  // ZKMATCH_TESTS_SUPPORT_LOADED_INSTANCE_H_
