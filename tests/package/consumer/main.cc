// Runs one admission through the installed library (zkmatch::engine): loads a rules file and its
// inputs with RunAdmission and prints how many candidates were placed.
#include <cstdio>

#include "zkmatch/admission.h"
#include "zkmatch/diagnostics.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer RULES.yaml\n");
    return 2;
  }
  zkmatch::AdmissionRequest request;
  request.rules_path = argv[1];
  request.options.threads = 1;
  zkmatch::DiagnosticSink sink;
  const auto admission = zkmatch::RunAdmission(request, sink);
  for (const auto& d : sink.diagnostics()) std::fprintf(stderr, "%s\n", d.Format().c_str());
  if (!admission) return 1;
  std::size_t placed = 0;
  for (const auto batch : admission->outcome.batch) placed += batch >= 0 ? 1 : 0;
  std::printf("placed %zu of %zu candidates, %zu files\n", placed, admission->outcome.batch.size(),
              admission->files.size());
  return 0;
}
