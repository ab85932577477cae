// See zkmatch/admission.h.
#include "zkmatch/admission.h"

#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include "zkmatch/audit.h"

namespace zkmatch {

namespace {

Result<Admission> RunAdmissionHere(const AdmissionRequest& request, DiagnosticSink& sink) {
  auto step = [&](const char* what) {
    if (request.step) request.step(what);
  };
  step("load rules");
  auto rules = LoadRules(request.rules_path, sink, request.files);
  if (!rules) return rules.status();
  if (!request.parent_dir.empty()) rules->inputs.ContinueFrom(request.parent_dir);
  step("load inputs");
  Admission a;
  auto instance = LoadInputs(*rules, sink, &a.identity);
  if (request.after_load) request.after_load();
  if (!instance) return instance.status();
  if (request.inputs_read) {
    if (Status read = request.inputs_read(a.identity); !read.ok()) return read;
  }
  a.rules = std::move(*rules);
  a.instance = std::move(*instance);
  if (Status path = CheckMatchPath(a.rules, a.instance, request.options.path); !path.ok()) {
    sink.Error(a.rules.path, 0, 0, path.message());
    return path;
  }
  step("match");
  a.outcome = Solve(a.rules, a.instance, request.options);
  // After solving, so the lines (and the ranking an admit_ratio line needs) are computed once.
  step("policy checks");
  if (Status policy = CheckPolicy(a.rules, a.instance, sink, &a.outcome.lines); !policy.ok()) return policy;
  WarnMissedTargets(a.rules, a.instance, a.outcome, sink);
  step("render outputs and audit log");
  a.identity.public_of = request.public_of;
  if (request.bundle) PlaceInBundle(&a.identity);
  a.files = RenderRun(a.rules, a.instance, a.outcome, a.identity, request.plain_audit ? AuditStorage::kPlain : AuditStorage::kCompressed);
  if (request.bundle) {
    for (OutputFile& f : BundleFiles(a.identity)) a.files.push_back(std::move(f));
  }
  return a;
}

}  // namespace

Result<Admission> RunAdmission(const AdmissionRequest& request, DiagnosticSink& sink) {
  // Every step -- loading, matching, rendering -- on request.options.threads workers (more
  // than the cores when asked: tests run 8 on 2).
  const int threads = request.options.threads > 0 ? request.options.threads : tbb::this_task_arena::max_concurrency();
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  return arena.execute([&] { return RunAdmissionHere(request, sink); });
}

}  // namespace zkmatch
