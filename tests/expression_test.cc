// Unit tests for expression.h: parsing (precedence, lists, program.X, functions), type inference,
// error offsets and messages, CharColumn, and evaluation over hand-built Candidates/Programs.
#include "expression.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "zkmatch/model.h"
#include "zkmatch/rules.h"

namespace zkmatch {
namespace {

using Op = Expression::Op;

const char* OpName(Op op) {
  switch (op) {
    case Op::kNeg: return "neg";
    case Op::kAdd: return "+";
    case Op::kSub: return "-";
    case Op::kMul: return "*";
    case Op::kDiv: return "/";
    case Op::kMax: return "max";
    case Op::kMin: return "min";
    case Op::kEq: return "=";
    case Op::kNe: return "!=";
    case Op::kLt: return "<";
    case Op::kLe: return "<=";
    case Op::kGt: return ">";
    case Op::kGe: return ">=";
    case Op::kIn: return "in";
    case Op::kNotIn: return "notin";
    case Op::kAnd: return "and";
    case Op::kOr: return "or";
    case Op::kNot: return "not";
    default: return "?";
  }
}

// S-expression of the tree; numbers in hundredths, text literals in single quotes.
std::string Dump(const Expression& e) {
  switch (e.op) {
    case Op::kNumber: return std::to_string(e.number);
    case Op::kText: return "'" + e.text + "'";
    case Op::kColumn: return (e.program_column ? "program." : "") + e.text;
    default: break;
  }
  std::string out = std::string("(") + OpName(e.op);
  for (const auto& a : e.args) out += " " + Dump(*a);
  return out + ")";
}

const char* TypeName(ValueType t) {
  switch (t) {
    case ValueType::kBool: return "bool";
    case ValueType::kNumber: return "number";
    case ValueType::kText: return "text";
    default: return "unknown";
  }
}

// "name:type@offset" for every column reference, in order.
std::vector<std::string> Columns(const Expression& e) {
  std::vector<ColumnUse> uses;
  e.CollectColumns(&uses);
  std::vector<std::string> out;
  for (const ColumnUse& u : uses) {
    out.push_back((u.program ? "program." : "") + u.name + ":" + TypeName(u.type) + "@" +
                  std::to_string(u.offset));
  }
  return out;
}

std::string ParseError(const std::string& source, ValueType want) {
  ExpressionError err;
  auto e = ParseExpression(source, want, &err);
  if (e) return "parsed as " + Dump(*e);
  return std::to_string(err.offset) + ": " + err.message;
}

TEST(ParseExpression, PrecedenceAndShape) {
  struct Case {
    std::string source;
    ValueType want;
    std::string tree;
  };
  const ValueType B = ValueType::kBool, N = ValueType::kNumber;
  const Case cases[] = {
      {"a > 1 and b > 2 or c > 3", B, "(or (and (> a 100) (> b 200)) (> c 300))"},
      {"a > 1 or b > 2 and c > 3", B, "(or (> a 100) (and (> b 200) (> c 300)))"},
      {"a > 1 or b > 2 or c > 3", B, "(or (or (> a 100) (> b 200)) (> c 300))"},
      {"a > 1 and b > 2 and c > 3", B, "(and (and (> a 100) (> b 200)) (> c 300))"},
      {"not a > 1 and b > 2", B, "(and (not (> a 100)) (> b 200))"},
      {"not not a = 1", B, "(not (not (= a 100)))"},
      {"not (a > 1 or b > 2)", B, "(not (or (> a 100) (> b 200)))"},
      {"(a > 1 or b > 2) and c > 3", B, "(and (or (> a 100) (> b 200)) (> c 300))"},
      {"a>1and b>2", B, "(and (> a 100) (> b 200))"},
      {"a\t>\n1", B, "(> a 100)"},
      {"a + b * c", N, "(+ a (* b c))"},
      {"a * b + c", N, "(+ (* a b) c)"},
      {"a - b - c", N, "(- (- a b) c)"},
      {"a / b * c", N, "(* (/ a b) c)"},
      {"a / b / c", N, "(/ (/ a b) c)"},
      {"(a + b) * c", N, "(* (+ a b) c)"},
      {"-a + b", N, "(+ (neg a) b)"},
      {"- -a", N, "(neg (neg a))"},
      {"a * -b", N, "(* a (neg b))"},
      {"a - -1", N, "(- a (neg 100))"},
      {"612.5", N, "61250"},
      {"max(a, b + 1, 3)", N, "(max a (+ b 100) 300)"},
      {"min(a)", N, "(min a)"},
      {"max(min(a, b), c) * 2", N, "(* (max (min a b) c) 200)"},
      {"a + 1 >= b * 2", B, "(>= (+ a 100) (* b 200))"},
      {"a = 1", B, "(= a 100)"},
      {"a == 1", B, "(= a 100)"},
      {"a != 1", B, "(!= a 100)"},
      {"a < 1", B, "(< a 100)"},
      {"a <= 1", B, "(<= a 100)"},
      {"a > 0.5", B, "(> a 50)"},
      {"a >= -2", B, "(>= a (neg 200))"},
      {"district in [\xE5\x9F\x8E\xE5\x8C\xBA, 'A B', \"C\", x_1]", B,
       "(in district '\xE5\x9F\x8E\xE5\x8C\xBA' 'A B' 'C' 'x_1')"},
      {"grade not in [1, 2.5, -3]", B, "(notin grade 100 250 -300)"},
      {"a in [and, or, not]", B, "(in a 'and' 'or' 'not')"},
      {"a in ['1', '2']", B, "(in a '1' '2')"},
      {"program.sector = 'public'", B, "(= program.sector 'public')"},
      {"a = \"it's\"", B, "(= a 'it's')"},
      {"a = ''", B, "(= a '')"},
      {"\xE6\x80\xBB\xE5\x88\x86 >= 600", B, "(>= \xE6\x80\xBB\xE5\x88\x86 60000)"},  // 总分
      {"program > 1", B, "(> program 100)"},
      {"nota > 1", B, "(> nota 100)"},
      {"AND > 1", B, "(> AND 100)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.source);
    ExpressionError err;
    auto e = ParseExpression(c.source, c.want, &err);
    ASSERT_NE(e, nullptr) << err.offset << ": " << err.message;
    EXPECT_EQ(Dump(*e), c.tree);
    EXPECT_EQ(e->type, c.want);
  }
}

TEST(ParseExpression, InfersColumnTypes) {
  struct Case {
    std::string source;
    ValueType want;
    std::vector<std::string> columns;
  };
  const ValueType B = ValueType::kBool, N = ValueType::kNumber;
  const Case cases[] = {
      // Compared with a number: numeric.
      {"arts > 0", B, {"arts:number@0"}},
      {"0 < arts", B, {"arts:number@4"}},
      {"a = 1", B, {"a:number@0"}},
      {"1 = a", B, {"a:number@4"}},
      {"a != -1", B, {"a:number@0"}},
      // Compared with text: text.
      {"district = '\xE5\x9F\x8E\xE5\x8C\xBA'", B, {"district:text@0"}},
      {"'x' = district", B, {"district:text@6"}},
      {"a != \"x\"", B, {"a:text@0"}},
      // Two columns with '=' or '!=': text.
      {"a = b", B, {"a:text@0", "b:text@4"}},
      {"a != b", B, {"a:text@0", "b:text@5"}},
      {"a = program.b", B, {"a:text@0", "program.b:text@4"}},
      // ... unless one side is arithmetic.
      {"a = b + 1", B, {"a:number@0", "b:number@4"}},
      {"a + b = c", B, {"a:number@0", "b:number@4", "c:number@8"}},
      {"a < b", B, {"a:number@0", "b:number@4"}},
      // Lists: words make text, numbers make numbers.
      {"a in [x, y]", B, {"a:text@0"}},
      {"a in ['1', '2']", B, {"a:text@0"}},
      {"a in [1, -2.5]", B, {"a:number@0"}},
      {"a not in [A]", B, {"a:text@0"}},
      // Arithmetic and functions: numbers.
      {"max(a, b) > c", B, {"a:number@4", "b:number@7", "c:number@12"}},
      {"program.quota > 0", B, {"program.quota:number@0"}},
      // Ranking keys are numbers.
      {"a", N, {"a:number@0"}},
      {"a * 2 + b", N, {"a:number@0", "b:number@8"}},
      {"-a", N, {"a:number@1"}},
      // Offsets are bytes.
      {"district = '\xE5\x9F\x8E\xE5\x8C\xBA' and arts > 0", B, {"district:text@0", "arts:number@24"}},
      // One expression may use a column both ways; the rules loader rejects that (it sees
      // every use across the file), so the parser must report both uses faithfully.
      {"a = 'x' and a > 1", B, {"a:text@0", "a:number@12"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.source);
    ExpressionError err;
    auto e = ParseExpression(c.source, c.want, &err);
    ASSERT_NE(e, nullptr) << err.offset << ": " << err.message;
    EXPECT_EQ(Columns(*e), c.columns);
  }
}

TEST(ParseExpression, TypeErrors) {
  struct Case {
    std::string source;
    ValueType want;
    std::string error;  // "offset: message"
  };
  const ValueType B = ValueType::kBool, N = ValueType::kNumber;
  const Case cases[] = {
      {"a + 'x'", N, "4: expected a number here, but this is text"},
      {"-'x'", N, "1: expected a number here, but this is text"},
      {"a = 1 + 'x'", B, "8: expected a number here, but this is text"},
      {"'x' > 1", B, "0: expected a number here, but this is text"},
      {"a > 'x'", B, "4: expected a number here, but this is text"},
      {"1 = 'x'", B, "4: expected a number here, but this is text"},
      {"'x' = 1", B, "6: expected text here, but this is a number"},
      {"a in [1, x]", B, "6: a list mixes numbers and words; quote the numbers ('1') to compare as text"},
      {"a in [x, 1]", B, "9: a list mixes numbers and words; quote the numbers ('1') to compare as text"},
      {"'x' in [1]", B, "0: expected a number here, but this is text"},
      {"(a > 1) = (b > 1)", B, "8: '=' compares numbers or text, not conditions"},
      {"a > 1", N, "2: expected a number here, but this is a condition (true/false)"},
      {"a + 1", B, "2: expected a condition (true/false) here, but this is a number"},
      {"'x'", N, "0: expected a number here, but this is text"},
      {"a", B, "0: 'a' is a column, not a condition; compare it, e.g. a > 0"},
      {"not a", B, "4: 'a' is a column, not a condition; compare it, e.g. a > 0"},
      {"a > 1 and b", B, "10: 'b' is a column, not a condition; compare it, e.g. b > 0"},
      {"a > 1 and 2", B, "10: expected a condition (true/false) here, but this is a number"},
      {"max(a > 1, 2)", N, "6: expected a number here, but this is a condition (true/false)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.source);
    EXPECT_EQ(ParseError(c.source, c.want), c.error);
  }
}

TEST(ParseExpression, SyntaxErrorsWithOffsets) {
  const std::string bad_places =
      "has more than 2 decimal places; scores are kept to hundredths, round it in the source";
  struct Case {
    std::string source;
    std::string error;  // "offset: message"
  };
  const Case cases[] = {
      {"(a > 1", "6: expected ')' to close the '(' at column 1"},
      {"a > 1 and (b < 2 or c > 3", "25: expected ')' to close the '(' at column 11"},
      {"foo(a)", "0: unknown function 'foo'; the functions are max(), min() and floor()"},
      {"a > 1 and sum(a, b) > 2", "10: unknown function 'sum'; the functions are max(), min() and floor()"},
      {"a > 1 b", "6: unexpected 'b' after the end of the expression"},
      {"a > 1)", "5: unexpected ')' after the end of the expression"},
      {"a > 1 AND b > 2", "6: unexpected 'AND' after the end of the expression"},
      {"arts >", "6: the expression ends too early; a value is missing here"},
      {"arts > 1 and", "12: the expression ends too early; a value is missing here"},
      {"", "0: the expression ends too early; a value is missing here"},
      {"   ", "3: the expression ends too early; a value is missing here"},
      {"a not b", "2: expected 'in' after 'not' here (write 'x not in [...]' or 'not (...)')"},
      {"a not", "2: expected 'in' after 'not' here (write 'x not in [...]' or 'not (...)')"},
      {"not in [A]", "4: expected a value but found the keyword 'in'"},
      {"a in [A] not in [B]", "9: unexpected 'not' after the end of the expression"},
      {"a not in b", "9: expected '[' to start the list after 'in', e.g. quality_grade in [A, B]"},
      {"a in (A, B)", "5: expected '[' to start the list after 'in', e.g. quality_grade in [A, B]"},
      {"a in []", "6: expected a list item (a number, a word or a quoted string)"},
      {"a in [A,", "8: expected a list item (a number, a word or a quoted string)"},
      {"a in [-x]", "7: expected a list item (a number, a word or a quoted string)"},
      {"a in [A B]", "8: expected ',' or ']' in the list"},
      {"a = 'abc", "4: string is never closed; add the closing quote"},
      {"a = \"abc'", "4: string is never closed; add the closing quote"},
      {"a > 1.234", "4: bad number: '1.234' " + bad_places},
      {"a in [1.234]", "6: bad number: '1.234' " + bad_places},
      {"a > 1.2.3", "4: bad number: '1.2.3' is not a decimal number; write ASCII digits with an "
                    "optional '-' and at most 2 decimal places, e.g. 612.5"},
      {"a # 1", "2: unexpected '#' after the end of the expression"},
      {"a ! b", "2: '!' is not an operator here; write 'not'"},
      {"a && b", "2: '&&' is not an operator here; write 'and'"},
      {"a || b", "2: '||' is not an operator here; write 'or'"},
      {"a > #", "4: unexpected character '#'"},
      {"a > ! b", "4: '!' is not an operator here; write 'not'"},
      {"a > @ b", "4: unexpected character '@'"},
      // "a > （b）": full-width parentheses are name characters, so this is "a > <name>".
      {"a > 1 \xEF\xBC\x88" "b" "\xEF\xBC\x89", "6: unexpected '\xEF\xBC\x88" "b" "\xEF\xBC\x89' after the end of the expression"},
      {"a and or b", "6: expected a value but found the keyword 'or'"},
      {"a.b > 1", "1: '.' is only allowed after 'program' (program.COLUMN) and 'line' (line.NAME)"},
      {"program. > 1", "9: expected a column name after 'program.'"},
      {"program.1 > 1", "8: expected a column name after 'program.'"},
      {"max(a b)", "6: expected ',' or ')' in the arguments of max()"},
      {"min(a,", "6: the expression ends too early; a value is missing here"},
      {"max()", "4: expected a value but found ')'"},
      {"a > )", "4: expected a value but found ')'"},
      {"a < = 1", "4: expected a value but found '='"},
      {"a === 1", "4: expected a value but found '='"},
      // Offsets are bytes; the column in the message counts characters.
      {"(\xE5\x9F\x8E\xE5\x8C\xBA > 1", "11: expected ')' to close the '(' at column 1"},
      {"\xE5\x9F\x8E\xE5\x8C\xBA > 1 and (a > 1", "21: expected ')' to close the '(' at column 12"},
      {"\xE6\x80\xBB\xE5\x88\x86 \xEF\xBC\x9E 600",  // 总分 ＞ 600: a full-width '>'
       "7: unexpected '\xEF\xBC\x9E' after the end of the expression"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.source);
    EXPECT_EQ(ParseError(c.source, ValueType::kBool), c.error);
  }
}

TEST(CharColumn, CountsUtf8Characters) {
  struct Case {
    std::string source;
    int offset;
    int column;
  };
  const std::string cjk = "\xE5\x9F\x8E\xE5\x8C\xBA > 1";  // "城区 > 1"
  const Case cases[] = {
      {"abc", 0, 1},
      {"abc", 2, 3},
      {"abc", 3, 4},
      {"", 0, 1},
      {cjk, 0, 1},
      {cjk, 3, 2},
      {cjk, 6, 3},
      {cjk, 7, 4},
      {cjk, 9, 6},
      {"a\xF0\x9F\x98\x80" "b", 5, 3},  // after a 4-byte emoji
      {"ab", 10, 3},                    // offsets past the end clamp to the end
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.source + " @" + std::to_string(c.offset));
    EXPECT_EQ(CharColumn(c.source, c.offset), c.column);
  }
}

// Three candidates and two programs with a few columns, built by hand.
class EvaluateTest : public ::testing::Test {
 protected:
  static Column Numeric(std::string name, std::vector<Score> values) {
    Column c;
    c.name = name;
    c.header = name;
    c.numeric = true;
    c.number = std::move(values);
    return c;
  }
  static Column Text(std::string name, std::vector<std::string> dictionary, std::vector<std::uint32_t> ids) {
    Column c;
    c.name = name;
    c.header = name;
    c.dictionary = std::move(dictionary);
    c.text = std::move(ids);
    return c;
  }

  void SetUp() override {
    cand_.id = {"c1", "c2", "c3"};
    cand_.total = {61250, 50000, 70000};
    cand_.row = {2, 3, 4};
    cand_.columns.push_back(Numeric("arts", {8000, 0, kMissingScore}));
    cand_.columns.push_back(Numeric("chinese", {11000, 9550, 10000}));
    cand_.columns.push_back(Text("district", {"\xE5\x9F\x8E\xE5\x8C\xBA", "\xE4\xB9\xA1\xE9\x95\x87"}, {0, 1, 0}));
    cand_.columns.push_back(Text("grade", {"A", "B", "C"}, {0, 1, 2}));
    cand_.columns.push_back(Numeric("bonus", {5, -5, kMissingScore}));
    for (const Column& c : cand_.columns) cand_refs_.push_back({c.name, c.numeric, {}});

    prog_.code = {"p1", "p2"};
    prog_.school = {"s1", "s2"};
    prog_.name = {"n1", "n2"};
    prog_.row = {2, 3};
    // region: p1 城区, p2 乡镇 (a dictionary in a different order from the candidates').
    prog_.columns.push_back(Text("region", {"\xE4\xB9\xA1\xE9\x95\x87", "\xE5\x9F\x8E\xE5\x8C\xBA"}, {1, 0}));
    prog_.columns.push_back(Text("sector", {"public", "private"}, {0, 1}));
    prog_.columns.push_back(Numeric("min_arts", {5000, kMissingScore}));
    for (const Column& c : prog_.columns) prog_refs_.push_back({c.name, c.numeric, {}});
  }

  std::unique_ptr<Expression> Bound(const std::string& source, ValueType want) {
    ExpressionError err;
    auto e = ParseExpression(source, want, &err);
    if (!e) {
      ADD_FAILURE() << "'" << source << "' does not parse: " << err.offset << ": " << err.message;
      return nullptr;
    }
    BindExpression(e.get(), cand_refs_, prog_refs_);
    return e;
  }

  std::optional<Score> Number(const std::string& source, std::uint32_t c = 0, std::uint32_t p = kNone) {
    auto e = Bound(source, ValueType::kNumber);
    if (!e) return std::nullopt;
    return EvaluateNumber(*e, cand_, prog_, CandidateIndex{c}, ProgramIndex{p});
  }

  std::optional<bool> Condition(const std::string& source, std::uint32_t c, std::uint32_t p = kNone) {
    auto e = Bound(source, ValueType::kBool);
    if (!e) return std::nullopt;
    return EvaluateCondition(*e, cand_, prog_, CandidateIndex{c}, ProgramIndex{p});
  }

  Candidates cand_;
  Programs prog_;
  std::vector<ColumnRef> cand_refs_, prog_refs_;
};

// `x in program.COLUMN`: entries of a ';'-list, spaces around them ignored; an empty entry (a
// trailing ';', ";;") or an empty cell lists nothing, so a candidate with no value is in no list.
TEST_F(EvaluateTest, EmptyListEntriesMatchNothing) {
  prog_.columns.push_back(Text("area", {"", "A; B;"}, {1, 0}));  // p1 "A; B;", p2 an empty cell
  prog_refs_.push_back({"area", false, {}});
  cand_.columns.push_back(Text("home", {"", "A", "B"}, {1, 0, 2}));  // c1 A, c2 none, c3 B
  cand_refs_.push_back({"home", false, {}});
  EXPECT_EQ(Condition("home in program.area", 0, 0), true);
  EXPECT_EQ(Condition("home in program.area", 2, 0), true);   // " B" with its space
  EXPECT_EQ(Condition("home in program.area", 1, 0), false);  // no home: the trailing ';' is no entry
  EXPECT_EQ(Condition("home in program.area", 1, 1), false);  // an empty cell lists nothing
  EXPECT_EQ(Condition("home not in program.area", 1, 1), true);
  EXPECT_EQ(Condition("home in program.area", 0, 1), false);
}

TEST_F(EvaluateTest, FixedPointArithmetic) {
  struct Case {
    std::string source;
    Score value;
  };
  const Case cases[] = {
      // '*' and '/' round to hundredths, halves away from zero.
      {"0.05 * 0.5", 3},
      {"-0.05 * 0.5", -3},
      {"0.05 * -0.5", -3},
      {"-0.05 * -0.5", 3},
      {"0.01 * 0.5", 1},
      {"-0.01 * 0.5", -1},
      {"0.01 * 0.49", 0},
      {"-0.01 * 0.49", 0},
      {"0.15 * 0.1", 2},   // 0.015
      {"0.14 * 0.1", 1},   // 0.014
      {"1 / 3", 33},
      {"2 / 3", 67},
      {"-2 / 3", -67},
      {"2 / -3", -67},
      {"-2 / -3", 67},
      {"1 / 8", 13},       // 0.125
      {"-1 / 8", -13},
      {"1 / 0.01", 10000},
      {"0.01 / 2", 1},     // 0.005
      {"0.01 / 3", 0},     // 0.00333
      {"612.5 * 0.6", 36750},
      {"612.5 * 0.7 + 98 * 0.3", 45815},  // 428.75 + 29.4
      // Exact sums and differences.
      {"1 + 2 * 3", 700},
      {"(1 + 2) * 3", 900},
      {"10 - 2 - 3", 500},
      {"12 / 2 / 3", 200},
      {"2 * 3 / 4", 150},
      {"-2 - -3", 100},
      {"0.1 + 0.2", 30},
      {"max(1, 2.5, -3)", 250},
      {"min(1, 2.5, -3)", -300},
      {"max(7)", 700},
      {"0 / 5", 0},
      // Division by zero is missing, and missing spreads.
      {"5 / 0", kMissingScore},
      {"0 / 0", kMissingScore},
      {"5 / (1 - 1)", kMissingScore},
      {"max(1, 5 / 0)", kMissingScore},
      {"min(5 / 0, 1)", kMissingScore},
      {"-(5 / 0)", kMissingScore},
      {"1 + 5 / 0", kMissingScore},
      {"(5 / 0) * 0", kMissingScore},
      {"(5 / 0) / 2", kMissingScore},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.source);
    EXPECT_EQ(Number(c.source), c.value);
  }
}

TEST_F(EvaluateTest, NumericColumns) {
  struct Case {
    std::string source;
    std::uint32_t c;
    Score value;
  };
  const Case cases[] = {
      {"total", 0, 61250},
      {"total", 2, 70000},
      {"arts", 0, 8000},
      {"arts + total", 0, 69250},
      {"total - arts", 1, 50000},
      {"bonus * 0.5", 0, 3},
      {"bonus * 0.5", 1, -3},
      {"chinese / 3", 1, 3183},
      {"(total + chinese) / 2", 1, 29775},
      {"max(arts, chinese)", 0, 11000},
      {"min(arts, chinese)", 1, 0},
      // arts is empty for c3.
      {"arts", 2, kMissingScore},
      {"arts * 0.5", 2, kMissingScore},
      {"-arts", 2, kMissingScore},
      {"arts + total", 2, kMissingScore},
      {"max(arts, chinese)", 2, kMissingScore},
      {"total / arts", 1, kMissingScore},  // arts is 0 for c2
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.source + " for candidate " + std::to_string(c.c));
    EXPECT_EQ(Number(c.source, c.c), c.value);
  }
}

TEST_F(EvaluateTest, Conditions) {
  struct Case {
    std::string source;
    std::vector<bool> expected;  // for candidates c1, c2, c3
  };
  // c1: total 612.5, arts 80, district 城区, grade A, bonus 0.05
  // c2: total 500,   arts 0,  district 乡镇, grade B, bonus -0.05
  // c3: total 700,   arts -,  district 城区, grade C, bonus -
  const std::string chengqu = "\xE5\x9F\x8E\xE5\x8C\xBA", xiangzhen = "\xE4\xB9\xA1\xE9\x95\x87";
  const Case cases[] = {
      {"arts > 0", {true, false, false}},
      {"arts >= 0", {true, true, false}},
      {"arts < 1", {false, true, false}},
      {"arts <= 0", {false, true, false}},
      {"arts = 0", {false, true, false}},
      {"arts != 0", {true, false, false}},
      // A comparison with a missing value is false; 'not' of it is true.
      {"not arts > 0", {false, true, true}},
      {"not (arts != 0)", {false, true, true}},
      {"not arts = 0", {true, false, true}},
      {"arts in [0, 80]", {true, true, false}},
      {"arts not in [0, 80]", {false, false, false}},
      {"arts not in [1]", {true, true, false}},
      {"not arts in [0, 80]", {false, false, true}},
      {"bonus in [-0.05]", {false, true, false}},
      {"total >= 612.5", {true, false, true}},
      {"total > 612.5", {false, false, true}},
      {"total / 3 > 166.66", {true, true, true}},   // 500 / 3 = 166.67
      {"total / 3 > 166.67", {true, false, true}},
      {"1 + 2 * 3 = 7", {true, true, true}},
      {"0.05 * 0.5 = 0.03", {true, true, true}},
      {"2 / 3 = 0.67", {true, true, true}},
      {"5 / 0 = 5 / 0", {false, false, false}},
      {"5 / 0 != 1", {false, false, false}},
      {"not 5 / 0 = 1", {true, true, true}},
      // Text.
      {"district = '" + chengqu + "'", {true, false, true}},
      {"district = \"" + xiangzhen + "\"", {false, true, false}},
      {"district != '" + chengqu + "'", {false, true, false}},
      {"'" + chengqu + "' = district", {true, false, true}},
      {"district in [" + chengqu + ", 'x y']", {true, false, true}},
      {"district not in [" + chengqu + "]", {false, true, false}},
      {"grade in [A, B]", {true, true, false}},
      {"grade in ['a']", {false, false, false}},  // case matters
      {"district = grade", {false, false, false}},
      {"grade = grade", {true, true, true}},
      {"id = 'c2'", {false, true, false}},
      {"id in [c1, c3]", {true, false, true}},
      {"id != 'c2'", {true, false, true}},
      // Logic and precedence.
      {"total >= 600 and arts > 0", {true, false, false}},
      {"total >= 600 or arts > 0", {true, false, true}},
      {"arts > 0 or total > 600 and grade = 'C'", {true, false, true}},
      {"(arts > 0 or total > 600) and grade = 'C'", {false, false, true}},
      {"not arts > 0 and grade = 'B'", {false, true, false}},
      {"not (arts > 0 and grade = 'A')", {false, true, true}},
      {"max(arts, 0) >= 0", {true, true, false}},
  };
  for (const Case& c : cases) {
    for (std::uint32_t i = 0; i < 3; ++i) {
      SCOPED_TRACE(c.source + " for candidate c" + std::to_string(i + 1));
      EXPECT_EQ(Condition(c.source, i), c.expected[i]);
    }
  }
}

TEST_F(EvaluateTest, ProgramColumns) {
  struct Case {
    std::string source;
    std::uint32_t c;
    std::uint32_t p;
    bool expected;
  };
  const Case cases[] = {
      // p1 region 城区, sector public, min_arts 50; p2 region 乡镇, sector private, min_arts -.
      {"district = program.region", 0, 0, true},
      {"district = program.region", 0, 1, false},
      {"district = program.region", 1, 1, true},
      {"district != program.region", 1, 0, true},
      {"program.sector = 'public'", 0, 0, true},
      {"program.sector = 'public'", 0, 1, false},
      {"program.sector in [private]", 2, 1, true},
      {"arts >= program.min_arts", 0, 0, true},
      {"arts >= program.min_arts", 1, 0, false},
      {"arts >= program.min_arts", 0, 1, false},  // program cell empty
      {"not arts >= program.min_arts", 0, 1, true},
      {"arts >= program.min_arts", 2, 0, false},  // candidate cell empty
      {"program.sector = 'private' or arts > program.min_arts", 0, 0, true},
      {"program.sector = 'private' or arts > program.min_arts", 1, 0, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.source + " for c" + std::to_string(c.c + 1) + ", p" + std::to_string(c.p + 1));
    EXPECT_EQ(Condition(c.source, c.c, c.p), c.expected);
  }
}

// choice_rank is the position of the program on the list, given by the caller; missing (0)
// where no choice is evaluated. floor() rounds down to whole points, toward minus infinity.
TEST_F(EvaluateTest, ChoiceRankAndFloor) {
  auto number = [&](const std::string& source, std::int32_t choice_rank) -> std::optional<Score> {
    auto e = Bound(source, ValueType::kNumber);
    if (!e) return std::nullopt;
    return EvaluateNumber(*e, EvalContext{cand_, prog_, nullptr}, CandidateIndex{0}, ProgramIndex{0}, choice_rank);
  };
  EXPECT_EQ(number("choice_rank", 3), 300);
  EXPECT_EQ(number("choice_rank", 0), kMissingScore);  // no choice: no value
  EXPECT_EQ(number("choice_rank * 10 + total", 2), 2000 + 61250);
  EXPECT_EQ(number("floor(total / 10)", 1), 6100);       // 612.5 / 10 = 61.25 -> 61
  EXPECT_EQ(number("floor(total)", 1), 61200);
  EXPECT_EQ(number("floor(0 - 0.5)", 1), -100);          // toward minus infinity
  EXPECT_EQ(number("floor(-3)", 1), -300);
  EXPECT_EQ(number("floor(arts)", 1), 8000);
  EXPECT_EQ(Number("floor(arts)", 2), kMissingScore);   // empty cell: no value
  // The exact quotient is floored: 61.999 is in band 61, though 619.99 / 10 alone rounds to 62.
  EXPECT_EQ(Number("floor(619.99 / 10) * 10"), 61000);
  EXPECT_EQ(Number("619.99 / 10"), 6200);
  EXPECT_EQ(Number("floor(620 / 10)"), 6200);
  EXPECT_EQ(Number("floor(-0.01 / 10)"), -100);
  EXPECT_EQ(Number("floor(1 / 0)"), kMissingScore);
  EXPECT_EQ(Number("floor((619.99 / 10))"), 6100);  // parentheses do not change the node
  EXPECT_EQ(Number("floor(619.99 / 10 + 0)"), 6200);  // a quotient deeper inside is rounded first (rules/README.md)
  auto condition = [&](const std::string& source, std::int32_t choice_rank) -> std::optional<bool> {
    auto e = Bound(source, ValueType::kBool);
    if (!e) return std::nullopt;
    return EvaluateCondition(*e, EvalContext{cand_, prog_, nullptr}, CandidateIndex{0}, ProgramIndex{0}, choice_rank);
  };
  EXPECT_EQ(condition("choice_rank = 1", 1), true);
  EXPECT_EQ(condition("choice_rank = 1", 2), false);
  EXPECT_EQ(condition("choice_rank <= 2 and total > 600", 2), true);
  EXPECT_EQ(condition("choice_rank = 1", 0), false);  // missing: every comparison is false
  EXPECT_EQ(condition("not (choice_rank = 1)", 0), true);
}

TEST(ReferencesProgram, Table) {
  struct Case {
    std::string source;
    bool expected;
  };
  const Case cases[] = {
      {"arts > 0", false},
      {"program.quota > 0", true},
      {"arts > 0 and (district = program.region)", true},
      {"not (arts > program.min)", true},
      {"max(arts, program.x) > 1", true},
      {"a in [program, x]", false},
      {"program > 1", false},
      {"choice_rank = 1", true},  // per choice, like a program column
      {"floor(total / 10) > 60", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.source);
    ExpressionError err;
    auto e = ParseExpression(c.source, ValueType::kBool, &err);
    ASSERT_NE(e, nullptr) << err.message;
    EXPECT_EQ(ReferencesProgram(*e), c.expected);
  }
}

}  // namespace
}  // namespace zkmatch

namespace zkmatch {
namespace {

// Regressions from the expression fuzzer (fuzz/regressions/expression/): arithmetic that
// leaves the range of scores has no value instead of overflowing, and hostile nesting or
// length is an error, not a stack overflow.
TEST(ExpressionLimits, ArithmeticBeyondTheScoreRangeHasNoValue) {
  Candidates cand;
  Programs prog;
  for (const char* src : {"999999999999999 * 90 + 999999999999999 * 90", "999999999999999 * 999999999999999",
                          "-999999999999999 * 90 - 999999999999999 * 90", "612.5 * 612.5 * 612.5 * 612.5 * 612.5 * 612.5"}) {
    SCOPED_TRACE(src);
    ExpressionError err;
    auto e = ParseExpression(src, ValueType::kNumber, &err);
    ASSERT_NE(e, nullptr) << err.message;
    EXPECT_EQ(EvaluateNumber(*e, cand, prog, kNoCandidate, kNoProgram), kMissingScore);
  }
  ExpressionError err;
  // In range (1.4e11), rounded to hundredths at each step: 375156.25; 229783203.125 -> .13;
  // 229783203.13 * 612.5 = 140742211917.125 -> 140742211917.13.
  auto e = ParseExpression("612.5 * 612.5 * 612.5 * 612.5", ValueType::kNumber, &err);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(EvaluateNumber(*e, cand, prog, kNoCandidate, kNoProgram), Score{14'074'221'191'713});
}

TEST(ExpressionLimits, DeepNestingIsAnErrorNotACrash) {
  for (int n : {65, 4'000, 100'000}) {
    SCOPED_TRACE(n);
    const std::string src = std::string(static_cast<std::size_t>(n), '(') + "1" + std::string(static_cast<std::size_t>(n), ')') + " > 0";
    ExpressionError err;
    EXPECT_EQ(ParseExpression(src, ValueType::kBool, &err), nullptr);
    EXPECT_NE(err.message.find("nested too deeply"), std::string::npos) << err.message;
  }
  std::string nots;
  for (int i = 0; i < 10'000; ++i) nots += "not ";
  ExpressionError err;
  EXPECT_EQ(ParseExpression(nots + "total > 0", ValueType::kBool, &err), nullptr);
  EXPECT_NE(err.message.find("nested too deeply"), std::string::npos) << err.message;
  // 64 levels are fine.
  const std::string ok = std::string(63, '(') + "1" + std::string(63, ')') + " > 0";
  EXPECT_NE(ParseExpression(ok, ValueType::kBool, &err), nullptr) << err.message;
}

TEST(ExpressionLimits, VeryLongExpressionsAreAnError) {
  std::string sum = "1";
  for (int i = 0; i < 10'000; ++i) sum += "+1";
  ExpressionError err;
  EXPECT_EQ(ParseExpression(sum, ValueType::kNumber, &err), nullptr);
  EXPECT_NE(err.message.find("too long"), std::string::npos) << err.message;
}

}  // namespace
}  // namespace zkmatch
