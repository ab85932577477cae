// libFuzzer target: the rules loader (engine/src/rules_loader.cc, yaml-cpp underneath, and the
// expression parser for every condition and key) over arbitrary text.
//
// zkmatch::ParseRules with a made-up path: input paths are only resolved, never opened. Must
// never crash, hang, leak or let an exception escape (bad rules are diagnostics, exit code 2,
// never an internal error).
#include <cstddef>
#include <cstdint>
#include <string>

#include "zkmatch/diagnostics.h"
#include "zkmatch/rules.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  zkmatch::DiagnosticSink sink;
  const zkmatch::Result<zkmatch::Rules> rules = zkmatch::ParseRules(text, "fuzz/rules.yaml", sink);
  if (rules.ok() == sink.has_errors()) __builtin_trap();  // a failed Result exactly when errors
  if (!rules.ok() && rules.status().code() != zkmatch::StatusCode::kBadInput) __builtin_trap();
  volatile std::size_t sum = 0;
  for (const zkmatch::Diagnostic& d : sink.diagnostics()) sum = sum + d.Format().size();
  return 0;
}
