// libFuzzer target: the expression parser and type checker (engine/src/expression.cc).
//
// Parses the bytes as a condition (kBool) and as a ranking key (kNumber). On failure the error
// offset must lie inside the text (messages point at it with CharColumn). On success the tree
// is bound and evaluated the way the rules loader and the engine would: each column gets the
// type the loader would record (expressions the loader rejects, such as a column used both as
// text and as a number or a numeric `id`, are skipped) and a one-candidate, one-program
// instance holds a value for it. Must never crash, hang or leak, whatever the input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "expression.h"
#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace {

using zkmatch::ValueType;

// Adds `u` to `list` unless present; false when present with the other type.
bool Note(std::vector<zkmatch::ColumnRef>* list, const zkmatch::ColumnUse& u) {
  const bool numeric = u.type == ValueType::kNumber;
  for (const zkmatch::ColumnRef& ref : *list) {
    if (ref.name == u.name) return ref.numeric == numeric;
  }
  list->push_back({u.name, numeric, {}});
  return true;
}

zkmatch::Column MakeColumn(const zkmatch::ColumnRef& ref) {
  zkmatch::Column col;
  col.name = ref.name;
  col.header = ref.name;
  col.numeric = ref.numeric;
  if (ref.numeric) {
    col.number = {61250};  // 612.50
  } else {
    col.dictionary = {"A; B;C"};
    col.text = {0};
  }
  return col;
}

void Check(std::string_view source, ValueType want) {
  zkmatch::ExpressionError error;
  std::unique_ptr<zkmatch::Expression> e = zkmatch::ParseExpression(source, want, &error);
  if (!e) {
    if (error.message.empty()) __builtin_trap();
    if (error.offset < 0 || static_cast<std::size_t>(error.offset) > source.size()) __builtin_trap();
    volatile int col = zkmatch::CharColumn(source, error.offset);
    (void)col;
    return;
  }
  if (e->type != want) __builtin_trap();
  std::vector<zkmatch::ColumnUse> uses;
  e->CollectColumns(&uses);
  std::vector<zkmatch::ColumnRef> candidate_columns, program_columns;
  std::vector<std::string> line_names;
  for (const zkmatch::ColumnUse& u : uses) {
    if (u.offset < 0 || static_cast<std::size_t>(u.offset) >= source.size()) __builtin_trap();
    if (u.line) {
      line_names.push_back(u.name);
      continue;
    }
    if (u.type != ValueType::kNumber && u.type != ValueType::kText) return;  // untyped column
    if (!u.program && (u.name == "id" || u.name == "total")) {
      if ((u.type == ValueType::kNumber) != (u.name == "total")) return;  // the loader rejects it
      continue;
    }
    if (!Note(u.program ? &program_columns : &candidate_columns, u)) return;  // one type per column
  }
  zkmatch::BindExpression(e.get(), candidate_columns, program_columns, line_names);
  (void)zkmatch::ReferencesProgram(*e);

  zkmatch::Candidates candidates;
  candidates.id = {"2500000001"};
  candidates.total = {61250};
  candidates.row = {2};
  for (const auto& ref : candidate_columns) candidates.columns.push_back(MakeColumn(ref));
  zkmatch::Programs programs;
  programs.code = {"H01"};
  programs.school = {"S01"};
  programs.name = {"School 1"};
  programs.sector = {"public"};
  programs.row = {2};
  for (const auto& ref : program_columns) programs.columns.push_back(MakeColumn(ref));
  const std::vector<zkmatch::Score> lines(line_names.size(), 50000);
  const zkmatch::EvalContext ctx{candidates, programs, &lines};
  if (want == ValueType::kBool) {
    volatile bool b = zkmatch::EvaluateCondition(*e, ctx, zkmatch::CandidateIndex{0}, zkmatch::ProgramIndex{0});
    (void)b;
  } else {
    volatile zkmatch::Score s = zkmatch::EvaluateNumber(*e, ctx, zkmatch::CandidateIndex{0}, zkmatch::ProgramIndex{0});
    (void)s;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  Check(source, ValueType::kBool);
  Check(source, ValueType::kNumber);
  return 0;
}
