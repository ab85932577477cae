#include "expression.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "decimal.h"

namespace zkmatch {
namespace {

// 128-bit intermediates keep fixed-point products exact before rounding.
__extension__ typedef __int128 Int128;

enum class Tok {
  kEnd, kNumber, kString, kName, kLParen, kRParen, kLBracket, kRBracket, kComma, kDot,
  kPlus, kMinus, kStar, kSlash, kEq, kNe, kLt, kLe, kGt, kGe, kBad,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string_view text;
  int offset = 0;
};

bool IsNameStart(unsigned char c) { return c == '_' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80; }
bool IsNameChar(unsigned char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// Limits that keep hostile input from exhausting the stack: every pass over the tree
// (parse, type check, bind, evaluate, destroy) recurses once per level.
constexpr int kMaxDepth = 64;    // nested parentheses, not, unary minus
constexpr int kMaxNodes = 2000;  // values and operators in one expression

class Parser {
 public:
  Parser(std::string_view src, ExpressionError* err) : src_(src), err_(err) { Advance(); }

  std::unique_ptr<Expression> ParseAll() {
    auto e = ParseOr();
    if (!e || failed_) return nullptr;
    if (tok_.kind != Tok::kEnd) {
      if (std::string advice = OperatorAdvice(); !advice.empty()) return Fail(tok_.offset, advice);
      return Fail(tok_.offset, "unexpected '" + std::string(tok_.text) + "' after the end of the expression");
    }
    return e;
  }

 private:
  // Operators of other languages written where a rules expression has a word for them.
  std::string OperatorAdvice() const {
    const std::string_view rest = src_.substr(static_cast<std::size_t>(tok_.offset));
    if (rest.rfind("&&", 0) == 0 || rest.rfind("&", 0) == 0) return "'" + std::string(rest.substr(0, rest.rfind("&&", 0) == 0 ? 2 : 1)) + "' is not an operator here; write 'and'";
    if (rest.rfind("||", 0) == 0 || rest.rfind("|", 0) == 0) return "'" + std::string(rest.substr(0, rest.rfind("||", 0) == 0 ? 2 : 1)) + "' is not an operator here; write 'or'";
    if (rest.rfind("!", 0) == 0 && rest.rfind("!=", 0) != 0) return "'!' is not an operator here; write 'not'";
    return {};
  }

  std::unique_ptr<Expression> Fail(int offset, std::string msg) {
    if (!failed_) {
      failed_ = true;
      err_->offset = offset;
      err_->message = std::move(msg);
    }
    return nullptr;
  }

  void Advance() {
    std::size_t i = pos_;
    while (i < src_.size() && (src_[i] == ' ' || src_[i] == '\t' || src_[i] == '\n' || src_[i] == '\r')) ++i;
    tok_.offset = static_cast<int>(i);
    if (i >= src_.size()) {
      tok_ = {Tok::kEnd, {}, static_cast<int>(i)};
      pos_ = i;
      return;
    }
    const unsigned char c = static_cast<unsigned char>(src_[i]);
    std::size_t j = i + 1;
    Tok kind = Tok::kBad;
    if (c >= '0' && c <= '9') {
      while (j < src_.size() && ((src_[j] >= '0' && src_[j] <= '9') || src_[j] == '.')) ++j;
      kind = Tok::kNumber;
    } else if (IsNameStart(c)) {
      while (j < src_.size() && IsNameChar(static_cast<unsigned char>(src_[j]))) ++j;
      kind = Tok::kName;
    } else if (c == '\'' || c == '"') {
      while (j < src_.size() && src_[j] != static_cast<char>(c)) ++j;
      if (j >= src_.size()) {
        kind = Tok::kBad;
        j = src_.size();
      } else {
        ++j;
        kind = Tok::kString;
      }
    } else {
      auto two = [&](char next, Tok yes, Tok no) {
        if (j < src_.size() && src_[j] == next) {
          ++j;
          return yes;
        }
        return no;
      };
      switch (c) {
        case '(': kind = Tok::kLParen; break;
        case ')': kind = Tok::kRParen; break;
        case '[': kind = Tok::kLBracket; break;
        case ']': kind = Tok::kRBracket; break;
        case ',': kind = Tok::kComma; break;
        case '.': kind = Tok::kDot; break;
        case '+': kind = Tok::kPlus; break;
        case '-': kind = Tok::kMinus; break;
        case '*': kind = Tok::kStar; break;
        case '/': kind = Tok::kSlash; break;
        case '=': kind = two('=', Tok::kEq, Tok::kEq); break;
        case '!': kind = two('=', Tok::kNe, Tok::kBad); break;
        case '<': kind = two('=', Tok::kLe, Tok::kLt); break;
        case '>': kind = two('=', Tok::kGe, Tok::kGt); break;
        default: kind = Tok::kBad;
      }
    }
    tok_ = {kind, src_.substr(i, j - i), static_cast<int>(i)};
    pos_ = j;
  }

  bool IsKeyword(std::string_view k) const { return tok_.kind == Tok::kName && tok_.text == k; }

  std::unique_ptr<Expression> Node(Expression::Op op, int offset) {
    if (++nodes_ > kMaxNodes && !failed_) {
      failed_ = true;
      err_->offset = offset;
      err_->message = "the expression is too long (more than " + std::to_string(kMaxNodes) + " parts); split it or use a helper column";
    }
    auto e = std::make_unique<Expression>();
    e->op = op;
    e->offset = offset;
    return e;
  }
  std::unique_ptr<Expression> Binary(Expression::Op op, int offset, std::unique_ptr<Expression> a,
                                     std::unique_ptr<Expression> b) {
    auto e = Node(op, offset);
    e->args.push_back(std::move(a));
    e->args.push_back(std::move(b));
    return e;
  }

  // Guards one level of nesting; false (with an error) when the limit is passed.
  bool Enter() {
    if (++depth_ <= kMaxDepth) return true;
    Fail(tok_.offset, "the expression is nested too deeply (more than " + std::to_string(kMaxDepth) + " levels); simplify it");
    return false;
  }

  std::unique_ptr<Expression> ParseOr() {
    if (!Enter()) return nullptr;
    struct Leave {
      int& d;
      ~Leave() { --d; }
    } leave{depth_};
    auto left = ParseAnd();
    while (left && IsKeyword("or")) {
      int off = tok_.offset;
      Advance();
      auto right = ParseAnd();
      if (!right) return nullptr;
      left = Binary(Expression::Op::kOr, off, std::move(left), std::move(right));
    }
    return left;
  }

  std::unique_ptr<Expression> ParseAnd() {
    auto left = ParseNot();
    while (left && IsKeyword("and")) {
      int off = tok_.offset;
      Advance();
      auto right = ParseNot();
      if (!right) return nullptr;
      left = Binary(Expression::Op::kAnd, off, std::move(left), std::move(right));
    }
    return left;
  }

  std::unique_ptr<Expression> ParseNot() {
    if (IsKeyword("not")) {
      if (!Enter()) return nullptr;
      struct Leave {
        int& d;
        ~Leave() { --d; }
      } leave{depth_};
      auto e = Node(Expression::Op::kNot, tok_.offset);
      Advance();
      auto inner = ParseNot();
      if (!inner) return nullptr;
      e->args.push_back(std::move(inner));
      return e;
    }
    return ParseCompare();
  }

  std::unique_ptr<Expression> ParseCompare() {
    auto left = ParseSum();
    if (!left) return nullptr;
    Expression::Op op;
    switch (tok_.kind) {
      case Tok::kEq: op = Expression::Op::kEq; break;
      case Tok::kNe: op = Expression::Op::kNe; break;
      case Tok::kLt: op = Expression::Op::kLt; break;
      case Tok::kLe: op = Expression::Op::kLe; break;
      case Tok::kGt: op = Expression::Op::kGt; break;
      case Tok::kGe: op = Expression::Op::kGe; break;
      default:
        if (IsKeyword("in")) return ParseIn(std::move(left), Expression::Op::kIn);
        if (IsKeyword("not")) {
          int off = tok_.offset;
          Advance();
          if (!IsKeyword("in")) return Fail(off, "expected 'in' after 'not' here (write 'x not in [...]' or 'not (...)')");
          return ParseIn(std::move(left), Expression::Op::kNotIn);
        }
        return left;
    }
    int off = tok_.offset;
    Advance();
    auto right = ParseSum();
    if (!right) return nullptr;
    return Binary(op, off, std::move(left), std::move(right));
  }

  std::unique_ptr<Expression> ParseIn(std::unique_ptr<Expression> value, Expression::Op op) {
    auto e = Node(op, tok_.offset);
    Advance();  // 'in'
    if (IsKeyword("program")) {
      // Membership in a list kept in a program column: district in program.area
      e->op = op == Expression::Op::kIn ? Expression::Op::kInList : Expression::Op::kNotInList;
      auto list = ParsePrimary();
      if (!list) return nullptr;
      e->args.push_back(std::move(value));
      e->args.push_back(std::move(list));
      return e;
    }
    if (tok_.kind != Tok::kLBracket) return Fail(tok_.offset, "expected '[' to start the list after 'in', e.g. quality_grade in [A, B]");
    Advance();
    e->args.push_back(std::move(value));
    while (true) {
      std::unique_ptr<Expression> item;
      bool negative = false;
      if (tok_.kind == Tok::kMinus) {
        negative = true;
        Advance();
      }
      if (tok_.kind == Tok::kNumber) {
        item = ParseNumber();
        if (!item) return nullptr;
        if (negative) item->number = -item->number;
      } else if (!negative && (tok_.kind == Tok::kName || tok_.kind == Tok::kString)) {
        item = Node(Expression::Op::kText, tok_.offset);
        item->type = ValueType::kText;
        item->text = tok_.kind == Tok::kString ? std::string(tok_.text.substr(1, tok_.text.size() - 2))
                                                : std::string(tok_.text);
        Advance();
      } else {
        return Fail(tok_.offset, "expected a list item (a number, a word or a quoted string)");
      }
      e->args.push_back(std::move(item));
      if (tok_.kind == Tok::kComma) {
        Advance();
        continue;
      }
      if (tok_.kind == Tok::kRBracket) {
        Advance();
        return e;
      }
      return Fail(tok_.offset, "expected ',' or ']' in the list");
    }
  }

  std::unique_ptr<Expression> ParseSum() {
    auto left = ParseProduct();
    while (left && (tok_.kind == Tok::kPlus || tok_.kind == Tok::kMinus)) {
      auto op = tok_.kind == Tok::kPlus ? Expression::Op::kAdd : Expression::Op::kSub;
      int off = tok_.offset;
      Advance();
      auto right = ParseProduct();
      if (!right) return nullptr;
      left = Binary(op, off, std::move(left), std::move(right));
    }
    return left;
  }

  std::unique_ptr<Expression> ParseProduct() {
    auto left = ParseUnary();
    while (left && (tok_.kind == Tok::kStar || tok_.kind == Tok::kSlash)) {
      auto op = tok_.kind == Tok::kStar ? Expression::Op::kMul : Expression::Op::kDiv;
      int off = tok_.offset;
      Advance();
      auto right = ParseUnary();
      if (!right) return nullptr;
      left = Binary(op, off, std::move(left), std::move(right));
    }
    return left;
  }

  std::unique_ptr<Expression> ParseUnary() {
    if (tok_.kind == Tok::kMinus) {
      if (!Enter()) return nullptr;
      struct Leave {
        int& d;
        ~Leave() { --d; }
      } leave{depth_};
      auto e = Node(Expression::Op::kNeg, tok_.offset);
      Advance();
      auto inner = ParseUnary();
      if (!inner) return nullptr;
      e->args.push_back(std::move(inner));
      return e;
    }
    return ParsePrimary();
  }

  std::unique_ptr<Expression> ParseNumber() {
    Score v;
    std::string why;
    if (!ParseDecimal(tok_.text, &v, &why)) return Fail(tok_.offset, "bad number: " + why);
    auto e = Node(Expression::Op::kNumber, tok_.offset);
    e->type = ValueType::kNumber;
    e->number = v;
    Advance();
    return e;
  }

  std::unique_ptr<Expression> ParsePrimary() {
    switch (tok_.kind) {
      case Tok::kNumber: return ParseNumber();
      case Tok::kString: {
        auto e = Node(Expression::Op::kText, tok_.offset);
        e->type = ValueType::kText;
        e->text = std::string(tok_.text.substr(1, tok_.text.size() - 2));
        Advance();
        return e;
      }
      case Tok::kLParen: {
        int off = tok_.offset;
        Advance();
        auto e = ParseOr();
        if (!e) return nullptr;
        if (tok_.kind != Tok::kRParen) return Fail(tok_.offset, "expected ')' to close the '(' at column " + std::to_string(CharColumn(src_, off)));
        Advance();
        return e;
      }
      case Tok::kName: {
        std::string_view name = tok_.text;
        int off = tok_.offset;
        if (name == "and" || name == "or" || name == "not" || name == "in") {
          return Fail(off, "expected a value but found the keyword '" + std::string(name) + "'");
        }
        Advance();
        if (tok_.kind == Tok::kLParen && name == "floor") {
          auto e = Node(Expression::Op::kFloor, off);
          Advance();
          auto arg = ParseOr();
          if (!arg) return nullptr;
          e->args.push_back(std::move(arg));
          if (tok_.kind != Tok::kRParen) return Fail(tok_.offset, "floor() takes one number; expected ')' here");
          Advance();
          return e;
        }
        if (tok_.kind == Tok::kLParen && (name == "max" || name == "min")) {
          auto e = Node(name == "max" ? Expression::Op::kMax : Expression::Op::kMin, off);
          Advance();
          while (true) {
            auto arg = ParseOr();
            if (!arg) return nullptr;
            e->args.push_back(std::move(arg));
            if (tok_.kind == Tok::kComma) {
              Advance();
              continue;
            }
            if (tok_.kind == Tok::kRParen) {
              Advance();
              return e;
            }
            return Fail(tok_.offset, "expected ',' or ')' in the arguments of " + std::string(name) + "()");
          }
        }
        if (tok_.kind == Tok::kLParen) return Fail(off, "unknown function '" + std::string(name) + "'; the functions are max(), min() and floor()");
        if (name == "line" && tok_.kind == Tok::kDot) {
          Advance();
          if (tok_.kind != Tok::kName) return Fail(tok_.offset, "expected a line name after 'line.'");
          auto l = Node(Expression::Op::kLine, off);
          l->type = ValueType::kNumber;
          l->text = std::string(tok_.text);
          Advance();
          return l;
        }
        if (name == "choice_rank" && tok_.kind != Tok::kDot) {
          auto cr = Node(Expression::Op::kChoiceRank, off);
          cr->type = ValueType::kNumber;
          cr->text = "choice_rank";
          return cr;
        }
        if (name == "program_score" && tok_.kind != Tok::kDot) {
          auto ps = Node(Expression::Op::kProgramScore, off);
          ps->type = ValueType::kNumber;
          ps->text = "program_score";
          return ps;
        }
        auto e = Node(Expression::Op::kColumn, off);
        if (name == "program" && tok_.kind == Tok::kDot) {
          Advance();
          if (tok_.kind != Tok::kName) return Fail(tok_.offset, "expected a column name after 'program.'");
          e->program_column = true;
          e->text = std::string(tok_.text);
          Advance();
          return e;
        }
        if (tok_.kind == Tok::kDot) return Fail(tok_.offset, "'.' is only allowed after 'program' (program.COLUMN) and 'line' (line.NAME)");
        e->text = std::string(name);
        return e;
      }
      case Tok::kEnd: return Fail(tok_.offset, "the expression ends too early; a value is missing here");
      case Tok::kBad:
        if (!tok_.text.empty() && (tok_.text[0] == '\'' || tok_.text[0] == '"')) return Fail(tok_.offset, "string is never closed; add the closing quote");
        if (std::string advice = OperatorAdvice(); !advice.empty()) return Fail(tok_.offset, advice);
        return Fail(tok_.offset, "unexpected character '" + std::string(tok_.text) + "'");
      default: return Fail(tok_.offset, "expected a value but found '" + std::string(tok_.text) + "'");
    }
  }

  std::string_view src_;
  ExpressionError* err_;
  std::size_t pos_ = 0;
  Token tok_;
  bool failed_ = false;
  int depth_ = 0;
  int nodes_ = 0;
};

const char* TypeName(ValueType t) {
  switch (t) {
    case ValueType::kBool: return "a condition (true/false)";
    case ValueType::kNumber: return "a number";
    case ValueType::kText: return "text";
    default: return "a value";
  }
}

// Assigns types bottom-up; `want` is the type the context needs (kUnknown: any).
bool Infer(Expression* e, ValueType want, ExpressionError* err) {
  using Op = Expression::Op;
  auto fail = [&](int off, std::string msg) {
    err->offset = off;
    err->message = std::move(msg);
    return false;
  };
  switch (e->op) {
    case Op::kNumber:
    case Op::kText:
    case Op::kLine:
    case Op::kProgramScore:
    case Op::kChoiceRank:
      break;
    case Op::kInList: case Op::kNotInList:
      if (!e->args[1]->program_column) return fail(e->args[1]->offset, "'in' takes a list [...] or a program column (program.NAME)");
      if (!Infer(e->args[0].get(), ValueType::kText, err) || !Infer(e->args[1].get(), ValueType::kText, err)) return false;
      if (e->args[0]->type != ValueType::kText) return fail(e->args[0]->offset, "membership in a program's list compares text, this is " + std::string(TypeName(e->args[0]->type)));
      e->type = ValueType::kBool;
      break;
    case Op::kColumn:
      if (e->type == ValueType::kUnknown) e->type = want == ValueType::kBool ? ValueType::kUnknown : want;
      if (want == ValueType::kBool)
        return fail(e->offset, "'" + e->text + "' is a column, not a condition; compare it, e.g. " + e->text + " > 0");
      break;
    case Op::kNeg: case Op::kAdd: case Op::kSub: case Op::kMul: case Op::kDiv: case Op::kMax: case Op::kMin: case Op::kFloor:
      for (auto& a : e->args) {
        if (!Infer(a.get(), ValueType::kNumber, err)) return false;
        if (a->type != ValueType::kNumber) return fail(a->offset, std::string("arithmetic needs numbers, this is ") + TypeName(a->type));
      }
      e->type = ValueType::kNumber;
      break;
    case Op::kLt: case Op::kLe: case Op::kGt: case Op::kGe:
      for (auto& a : e->args) {
        if (!Infer(a.get(), ValueType::kNumber, err)) return false;
        if (a->type != ValueType::kNumber) return fail(a->offset, std::string("'<', '<=', '>' and '>=' compare numbers, this is ") + TypeName(a->type));
      }
      e->type = ValueType::kBool;
      break;
    case Op::kEq: case Op::kNe: {
      Expression* a = e->args[0].get();
      Expression* b = e->args[1].get();
      if (!Infer(a, ValueType::kUnknown, err) || !Infer(b, ValueType::kUnknown, err)) return false;
      ValueType t = a->type != ValueType::kUnknown ? a->type : b->type;
      if (t == ValueType::kUnknown) t = ValueType::kText;
      if (t == ValueType::kBool) return fail(e->offset, "'=' compares numbers or text, not conditions");
      if (!Infer(a, t, err) || !Infer(b, t, err)) return false;
      if (a->type != b->type) return fail(e->offset, std::string("cannot compare ") + TypeName(a->type) + " with " + TypeName(b->type));
      e->type = ValueType::kBool;
      break;
    }
    case Op::kIn: case Op::kNotIn: {
      bool all_numbers = true;
      for (std::size_t i = 1; i < e->args.size(); ++i) all_numbers = all_numbers && e->args[i]->op == Op::kNumber;
      ValueType t = all_numbers ? ValueType::kNumber : ValueType::kText;
      if (!all_numbers) {
        for (std::size_t i = 1; i < e->args.size(); ++i) {
          if (e->args[i]->op == Op::kNumber) return fail(e->args[i]->offset, "a list mixes numbers and words; quote the numbers ('1') to compare as text");
        }
      }
      if (!Infer(e->args[0].get(), t, err)) return false;
      if (e->args[0]->type != t) return fail(e->args[0]->offset, std::string("this is ") + TypeName(e->args[0]->type) + " but the list holds " + TypeName(t));
      e->type = ValueType::kBool;
      break;
    }
    case Op::kAnd: case Op::kOr: case Op::kNot:
      for (auto& a : e->args) {
        if (!Infer(a.get(), ValueType::kBool, err)) return false;
        if (a->type != ValueType::kBool) return fail(a->offset, std::string("'and', 'or' and 'not' combine conditions, this is ") + TypeName(a->type));
      }
      e->type = ValueType::kBool;
      break;
  }
  if (want != ValueType::kUnknown && e->type != ValueType::kUnknown && e->type != want) {
    return fail(e->offset, std::string("expected ") + TypeName(want) + " here, but this is " + TypeName(e->type));
  }
  return true;
}

Int128 RoundDiv(Int128 num, Int128 den) {
  // num / den rounded to the nearest integer, halves away from zero. |num| < 2^126 here: both
  // operands of a product are below 2^63 and the divisor of a quotient's scale is 100.
  const bool neg = (num < 0) != (den < 0);
  if (num < 0) num = -num;
  if (den < 0) den = -den;
  Int128 q = num / den;
  if (2 * (num % den) >= den) ++q;
  return neg ? -q : q;
}

const Column& ColumnOf(const Expression& e, const EvalContext& ctx) {
  return e.program_column ? ctx.programs.columns[static_cast<std::size_t>(e.slot)]
                          : ctx.candidates.columns[static_cast<std::size_t>(e.slot)];
}

std::string_view EvalText(const Expression& e, const EvalContext& ctx, CandidateIndex c, ProgramIndex p) {
  if (e.op == Expression::Op::kText) return e.text;
  if (e.slot == -2) return ctx.candidates.id[c];  // built-in text column "id"
  const Column& col = ColumnOf(e, ctx);
  return col.dictionary[col.text[e.program_column ? p.value() : c.value()]];
}

// Whether `item` is one of the ';'-separated entries of `list` (spaces around entries ignored).
// An empty entry is no entry: "D1;D2;" lists D1 and D2, an empty cell lists nothing, so a
// candidate with no value in the column is in no program's list (a trailing ';' in a cell let
// candidates without a district take in-area seats before this was so).
bool ListContains(std::string_view list, std::string_view item) {
  while (true) {
    const std::size_t end = std::min(list.find(';'), list.size());
    std::string_view entry = list.substr(0, end);
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    if (!entry.empty() && entry == item) return true;
    if (end == list.size()) return false;
    list.remove_prefix(end + 1);
  }
}

}  // namespace

void Expression::CollectColumns(std::vector<ColumnUse>* out) const {
  if (op == Op::kColumn) out->push_back({text, program_column, false, type, offset});
  if (op == Op::kLine) out->push_back({text, false, true, type, offset});
  if (op == Op::kProgramScore) out->push_back({text, false, false, type, offset, true});
  if (op == Op::kChoiceRank) out->push_back({text, false, false, type, offset, false, true});
  for (const auto& a : args) a->CollectColumns(out);
}

std::unique_ptr<Expression> ParseExpression(std::string_view source, ValueType want,
                                            ExpressionError* error) {
  Parser parser(source, error);
  auto e = parser.ParseAll();
  if (!e) return nullptr;
  if (!Infer(e.get(), want, error)) return nullptr;
  return e;
}

void BindExpression(Expression* e, const std::vector<ColumnRef>& candidate_columns,
                    const std::vector<ColumnRef>& program_columns, const std::vector<std::string>& line_names) {
  if (e->op == Expression::Op::kLine) {
    e->slot = -1;
    for (std::size_t i = 0; i < line_names.size(); ++i) {
      if (line_names[i] == e->text) e->slot = static_cast<int>(i);
    }
  }
  if (e->op == Expression::Op::kColumn) {
    const auto& cols = e->program_column ? program_columns : candidate_columns;
    e->slot = -1;
    for (std::size_t i = 0; i < cols.size(); ++i) {
      if (cols[i].name == e->text) e->slot = static_cast<int>(i);
    }
    if (!e->program_column && e->text == "total") e->slot = -3;
    if (!e->program_column && e->text == "id") e->slot = -2;
  }
  for (auto& a : e->args) BindExpression(a.get(), candidate_columns, program_columns, line_names);
}

Score EvaluateNumber(const Expression& e, const EvalContext& ctx, CandidateIndex c, ProgramIndex p, std::int32_t choice_rank) {
  using Op = Expression::Op;
  switch (e.op) {
    case Op::kNumber: return e.number;
    case Op::kLine: return (*ctx.lines)[static_cast<std::size_t>(e.slot)];
    case Op::kProgramScore:
      return ctx.program_scores && c != kNone && p != kNone ? ctx.program_scores->Find(c, p) : kMissingScore;
    case Op::kChoiceRank: return choice_rank > 0 ? static_cast<Score>(choice_rank) * kScoreScale : kMissingScore;
    case Op::kFloor: {
      const Expression& arg = *e.args[0];
      if (arg.op == Op::kDiv) {
        // floor(x / y) on the exact quotient: rounding it to hundredths first would put 619.99 / 10
        // (61.999) in band 62.
        const Score x = EvaluateNumber(*arg.args[0], ctx, c, p, choice_rank);
        const Score y = EvaluateNumber(*arg.args[1], ctx, c, p, choice_rank);
        if (x == kMissingScore || y == kMissingScore || y == 0) return kMissingScore;
        const Score q = x / y - ((x % y != 0 && ((x < 0) != (y < 0))) ? 1 : 0);  // both in hundredths: the quotient is unitless
        constexpr Score kLimit = 1'000'000'000'000'000;
        return q >= kLimit || q <= -kLimit ? kMissingScore : q * kScoreScale;
      }
      const Score a = EvaluateNumber(arg, ctx, c, p, choice_rank);
      if (a == kMissingScore) return kMissingScore;
      const Score whole = a / kScoreScale - (a % kScoreScale < 0 ? 1 : 0);  // toward minus infinity
      return whole * kScoreScale;
    }
    case Op::kColumn: {
      if (e.slot == -3) return ctx.candidates.total[c];
      const Column& col = ColumnOf(e, ctx);
      return col.number[e.program_column ? p.value() : c.value()];
    }
    case Op::kNeg: {
      Score a = EvaluateNumber(*e.args[0], ctx, c, p, choice_rank);
      return a == kMissingScore ? kMissingScore : -a;
    }
    case Op::kMax: case Op::kMin: {
      Score best = kMissingScore;
      for (const auto& arg : e.args) {
        Score v = EvaluateNumber(*arg, ctx, c, p, choice_rank);
        if (v == kMissingScore) return kMissingScore;
        if (best == kMissingScore || (e.op == Op::kMax ? v > best : v < best)) best = v;
      }
      return best;
    }
    default: break;
  }
  Score a = EvaluateNumber(*e.args[0], ctx, c, p, choice_rank);
  Score b = EvaluateNumber(*e.args[1], ctx, c, p, choice_rank);
  if (a == kMissingScore || b == kMissingScore) return kMissingScore;
  // Exact in 128 bits; a result beyond the magnitude any input may have (10^15 points) has no
  // value, like a division by zero, instead of wrapping around.
  Int128 r = 0;
  switch (e.op) {
    case Op::kAdd: r = static_cast<Int128>(a) + b; break;
    case Op::kSub: r = static_cast<Int128>(a) - b; break;
    case Op::kMul: r = RoundDiv(static_cast<Int128>(a) * b, kScoreScale); break;
    case Op::kDiv:
      if (b == 0) return kMissingScore;
      r = RoundDiv(static_cast<Int128>(a) * kScoreScale, b);
      break;
    default: return kMissingScore;
  }
  constexpr Int128 kLimit = static_cast<Int128>(1'000'000'000'000'000) * kScoreScale;
  return r >= kLimit || r <= -kLimit ? kMissingScore : static_cast<Score>(r);
}

bool EvaluateCondition(const Expression& e, const EvalContext& ctx, CandidateIndex c, ProgramIndex p, std::int32_t choice_rank) {
  using Op = Expression::Op;
  switch (e.op) {
    case Op::kInList: case Op::kNotInList: {
      const bool found = ListContains(EvalText(*e.args[1], ctx, c, p), EvalText(*e.args[0], ctx, c, p));
      return e.op == Op::kInList ? found : !found;
    }
    case Op::kAnd: return EvaluateCondition(*e.args[0], ctx, c, p, choice_rank) && EvaluateCondition(*e.args[1], ctx, c, p, choice_rank);
    case Op::kOr: return EvaluateCondition(*e.args[0], ctx, c, p, choice_rank) || EvaluateCondition(*e.args[1], ctx, c, p, choice_rank);
    case Op::kNot: return !EvaluateCondition(*e.args[0], ctx, c, p, choice_rank);
    case Op::kIn: case Op::kNotIn: {
      bool found = false;
      const Expression& v = *e.args[0];
      if (v.type == ValueType::kNumber) {
        Score x = EvaluateNumber(v, ctx, c, p, choice_rank);
        if (x == kMissingScore) return false;
        for (std::size_t i = 1; i < e.args.size() && !found; ++i) found = e.args[i]->number == x;
      } else {
        std::string_view x = EvalText(v, ctx, c, p);
        for (std::size_t i = 1; i < e.args.size() && !found; ++i) found = e.args[i]->text == x;
      }
      return e.op == Op::kIn ? found : !found;
    }
    case Op::kEq: case Op::kNe:
      if (e.args[0]->type == ValueType::kText) {
        bool eq = EvalText(*e.args[0], ctx, c, p) == EvalText(*e.args[1], ctx, c, p);
        return e.op == Op::kEq ? eq : !eq;
      }
      [[fallthrough]];
    case Op::kLt: case Op::kLe: case Op::kGt: case Op::kGe: {
      Score a = EvaluateNumber(*e.args[0], ctx, c, p, choice_rank);
      Score b = EvaluateNumber(*e.args[1], ctx, c, p, choice_rank);
      if (a == kMissingScore || b == kMissingScore) return false;
      switch (e.op) {
        case Op::kEq: return a == b;
        case Op::kNe: return a != b;
        case Op::kLt: return a < b;
        case Op::kLe: return a <= b;
        case Op::kGt: return a > b;
        default: return a >= b;
      }
    }
    default: return false;
  }
}

bool EvaluateCondition(const Expression& e, const Candidates& cand, const Programs& prog, CandidateIndex c, ProgramIndex p) {
  return EvaluateCondition(e, EvalContext{cand, prog, nullptr}, c, p);
}

Score EvaluateNumber(const Expression& e, const Candidates& cand, const Programs& prog, CandidateIndex c, ProgramIndex p) {
  return EvaluateNumber(e, EvalContext{cand, prog, nullptr}, c, p);
}

namespace {
// True when `node` holds for e or any node below it.
template <typename Pred>
bool AnyNode(const Expression& e, const Pred& node) {
  if (node(e)) return true;
  for (const auto& a : e.args) {
    if (AnyNode(*a, node)) return true;
  }
  return false;
}
}  // namespace

bool ReferencesProgram(const Expression& e) {
  return AnyNode(e, [](const Expression& n) {
    return (n.op == Expression::Op::kColumn && n.program_column) || n.op == Expression::Op::kProgramScore ||
           n.op == Expression::Op::kChoiceRank;
  });
}

bool ReferencesProgramScore(const Expression& e) {
  return AnyNode(e, [](const Expression& n) { return n.op == Expression::Op::kProgramScore; });
}

bool ReferencesChoiceRank(const Expression& e) {
  return AnyNode(e, [](const Expression& n) { return n.op == Expression::Op::kChoiceRank; });
}

bool ReferencesChoice(const Expression& e) { return ReferencesProgramScore(e) || ReferencesChoiceRank(e); }

int CharColumn(std::string_view source, int offset) {
  int col = 1;
  for (int i = 0; i < offset && i < static_cast<int>(source.size()); ++i) {
    if ((static_cast<unsigned char>(source[static_cast<std::size_t>(i)]) & 0xC0) != 0x80) ++col;
  }
  // `col` counted the characters before offset, +1.
  return col;
}

}  // namespace zkmatch
