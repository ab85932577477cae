// See zkmatch/admission.h.
#include "zkmatch/admission.h"

#include "zkmatch/audit.h"

namespace zkmatch {

std::optional<Admission> RunAdmission(const AdmissionRequest& request, DiagnosticSink& sink) {
  auto step = [&](const char* what) {
    if (request.step) request.step(what);
  };
  step("load rules");
  auto rules = LoadRules(request.rules_path, sink);
  if (!rules) return std::nullopt;
  step("load inputs");
  Admission a;
  auto instance = LoadInputs(*rules, sink, &a.identity);
  if (request.after_load) request.after_load();
  if (!instance) return std::nullopt;
  a.rules = std::move(*rules);
  a.instance = std::move(*instance);
  if (std::string why = CheckMatchPath(a.rules, a.instance, request.options.path); !why.empty()) {
    sink.Error(a.rules.path, 0, 0, why);
    return std::nullopt;
  }
  step("match");
  a.outcome = Solve(a.rules, a.instance, request.options);
  // After solving, so the lines (and the ranking an admit_ratio line needs) are computed once.
  step("policy checks");
  if (!CheckPolicy(a.rules, a.instance, sink, &a.outcome.lines)) return std::nullopt;
  step("render outputs and audit log");
  a.files = RenderRun(a.rules, a.instance, a.outcome, a.identity);
  return a;
}

}  // namespace zkmatch
