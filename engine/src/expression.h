// Expressions in rule files: eligibility conditions and ranking keys.
//
// Grammar (precedence low to high):
//   expr    := or
//   or      := and ('or' and)*
//   and     := not ('and' not)*
//   not     := 'not' not | compare
//   compare := sum [ ('=' | '==' | '!=' | '<' | '<=' | '>' | '>=') sum
//                  | ['not'] 'in' '[' item (',' item)* ']' ]
//   sum     := product (('+' | '-') product)*
//   product := unary (('*' | '/') unary)*
//   unary   := '-' unary | primary
//   compare := ... | ['not'] 'in' 'program' '.' NAME   (membership in a ';'-separated list)
//   primary := NUMBER | STRING | NAME | 'program' '.' NAME | 'line' '.' NAME | 'program_score'
//            | 'choice_rank' | FUNC '(' expr (',' expr)* ')' | 'floor' '(' expr ')' | '(' expr ')'
//   FUNC    := max | min
// NUMBER is a decimal with at most two places; STRING is '...' or "..."; inside a list a bare
// word (A, B, 城区) is a string. NAME refers to a candidate column; program.NAME to a program
// column; line.NAME to a score line (a number fixed before matching); program_score to the
// score the program being applied to gave the candidate (program_scores.csv; missing when it
// gave none), so it depends on both the candidate and the program; choice_rank to the position
// (1, 2, ...) the candidate gave the program being applied to in the batch's list (missing where
// no program is being applied to). floor(x) is x rounded down to a whole number of points;
// floor(x / y) rounds the exact quotient down (not the quotient already rounded to hundredths).
//
// Types: every node is a number, text or a truth value. A column's type follows from how it is
// used (compared with a number, used in arithmetic or as a ranking key: number; compared with
// text or a list of words: text); two columns compared with '=' are text. A column used both
// ways is an error.
//
// Arithmetic is exact fixed-point in hundredths. '*' and '/' round the exact result to
// hundredths, halves away from zero. Division by zero and any operation on an empty (missing)
// numeric cell give "missing". Every comparison involving a missing value is false.
//
// Thread-safety: a bound Expression is immutable; Evaluate may run on many threads at once.
#ifndef ZKMATCH_EXPRESSION_H_
#define ZKMATCH_EXPRESSION_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace zkmatch {

enum class ValueType { kUnknown, kBool, kNumber, kText };

// Where a column reference points and how it is used.
struct ColumnUse {
  std::string name;
  bool program = false;       // program.NAME rather than a candidate column
  bool line = false;          // line.NAME
  ValueType type = ValueType::kUnknown;
  int offset = 0;             // 0-based byte offset in the expression text
  bool program_score = false;  // the built-in program_score (name is "program_score")
  bool choice_rank = false;    // the built-in choice_rank (name is "choice_rank")
};

// What an expression is evaluated against.
struct EvalContext {
  const Candidates& candidates;
  const Programs& programs;
  const std::vector<Score>* lines = nullptr;  // values of Rules::lines, by index
  const ProgramScores* program_scores = nullptr;  // for program_score; null reads as missing
};

class Expression {
 public:
  enum class Op {
    kNumber, kText, kColumn, kNeg, kAdd, kSub, kMul, kDiv, kMax, kMin,
    kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn, kAnd, kOr, kNot,
    kLine,                     // line.NAME; slot = index into Rules::lines
    kInList, kNotInList,       // args[0] in program.COLUMN (args[1]), a ';'-separated list
    kProgramScore,             // program_score: the score program p gave candidate c
    kChoiceRank,               // choice_rank: the position of p on c's list (1-based)
    kFloor,                    // floor(args[0]): rounded down to whole points
  };

  Op op = Op::kNumber;
  ValueType type = ValueType::kUnknown;
  Score number = 0;           // kNumber literal
  std::string text;           // kText literal; column name for kColumn
  bool program_column = false;
  int offset = 0;             // 0-based byte offset in the source text
  std::vector<std::unique_ptr<Expression>> args;  // kIn/kNotIn: args[0] value, rest the items

  // Binding to loaded data (filled by Bind): column slot, and for text literals compared
  // with a column, the literal's id in that column's dictionary (kNone when absent).
  int slot = -1;
  std::uint32_t text_id = kNone;

  // Column references with their inferred types, in order of appearance.
  void CollectColumns(std::vector<ColumnUse>* out) const;
};

struct ExpressionError {
  int offset = 0;       // 0-based byte offset in the source
  std::string message;
};

// Parses and type-checks `source`; `want` is kBool for conditions and kNumber for ranking keys.
// On failure returns null and fills `error`.
std::unique_ptr<Expression> ParseExpression(std::string_view source, ValueType want,
                                            ExpressionError* error);

// Resolves references to slots: a candidate column's slot is its position in
// `candidate_columns` (LoadInputs builds Candidates::columns in that order), likewise for
// program columns; a line's slot is its index in `line_names`. The built-in candidate
// columns id and total get their own slots. Unknown lines get slot -1 (the loader reports them).
// REQUIRES: every column the expression references is in the lists.
void BindExpression(Expression* e, const std::vector<ColumnRef>& candidate_columns,
                    const std::vector<ColumnRef>& program_columns,
                    const std::vector<std::string>& line_names = {});

// Evaluates a bound expression for candidate c applying to program p (p may be kNone when the
// expression references no program column; c may be kNone when it references no candidate
// column). `choice_rank` is the position (1-based) of p on c's list in the batch being matched;
// 0 where no choice is being evaluated, and choice_rank then reads as missing.
// REQUIRES: ctx.lines is set when the expression references a line.
bool EvaluateCondition(const Expression& e, const EvalContext& ctx, CandidateIndex c, ProgramIndex p, std::int32_t choice_rank = 0);
Score EvaluateNumber(const Expression& e, const EvalContext& ctx, CandidateIndex c, ProgramIndex p, std::int32_t choice_rank = 0);
// Same, for expressions without line references.
bool EvaluateCondition(const Expression& e, const Candidates& cand, const Programs& prog,
                       CandidateIndex c, ProgramIndex p);
Score EvaluateNumber(const Expression& e, const Candidates& cand, const Programs& prog,
                     CandidateIndex c, ProgramIndex p);


// True when the expression references any program.X column, program_score or choice_rank (its
// value then depends on the program, or on the choice).
bool ReferencesProgram(const Expression& e);
// True when the expression reads program_score.
bool ReferencesProgramScore(const Expression& e);
// True when the expression reads choice_rank.
bool ReferencesChoiceRank(const Expression& e);
// True when it reads program_score or choice_rank: its value depends on the choice evaluated,
// so a ranking key with it orders each program's applicants separately (Ranking::per_program).
bool ReferencesChoice(const Expression& e);

// 1-based column of byte `offset` of `source` counted in UTF-8 characters.
int CharColumn(std::string_view source, int offset);

}  // namespace zkmatch

#endif  // ZKMATCH_EXPRESSION_H_
