// A program that calls VerifyRun and is linked against zkmatch_verify and zkmatch_core alone:
// if the verifier used any of the engine's matching, ranking, line or allocation code, this
// would not link. Run by ctest on a fresh run of fixtures/cases/flow-chain (which exercises
// split seats, lines and flows), it must also find that the run holds.
#include <cstdio>

#include "zkmatch/diagnostics.h"
#include "zkmatch/verify.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: verify_only RUN_DIR\n");
    return 2;
  }
  zkmatch::DiagnosticSink sink;
  const zkmatch::Result<zkmatch::VerifyReport> report = zkmatch::VerifyRun("", argv[1], sink);
  for (const auto& d : sink.diagnostics()) std::fprintf(stderr, "%s\n", d.Format().c_str());
  if (!report) return static_cast<int>(report.status().exit_code());
  for (const std::string& p : report->passed) std::printf("ok: %s\n", p.c_str());
  for (const std::string& v : report->violations) std::printf("VIOLATION: %s\n", v.c_str());
  return static_cast<int>(report->status().exit_code());
}
