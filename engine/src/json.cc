#include "json.h"

#include <array>
#include <charconv>
#include <cstdio>

namespace zkmatch {

// The bytes that end a run of plain string bytes: '"', '\\' and the control characters.
constexpr std::array<bool, 256> kStringSpecial = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[static_cast<std::size_t>(c)] = true;
  t['"'] = t['\\'] = true;
  return t;
}();

void AppendJsonString(std::string* out, std::string_view s) {
  std::size_t plain = 0;
  while (plain < s.size() && !kStringSpecial[static_cast<unsigned char>(s[plain])]) ++plain;
  if (plain == s.size()) {  // nothing to escape (ids, codes, names: nearly always): one append
    const std::size_t at = out->size();
    out->resize(at + s.size() + 2);
    char* p = out->data() + at;
    p[0] = '"';
    s.copy(p + 1, s.size());
    p[s.size() + 1] = '"';
    return;
  }
  out->push_back('"');
  // Runs of characters that need no escaping are copied at once.
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && !kStringSpecial[static_cast<unsigned char>(s[j])]) ++j;
    out->append(s.data() + i, j - i);
    if (j == s.size()) break;
    i = j + 1;
    const auto c = static_cast<unsigned char>(s[j]);
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        *out += buf;
      }
    }
  }
  out->push_back('"');
}

JsonWriter& JsonWriter::Int(std::int64_t value) {
  Separate();
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out_.append(buf, end);
  return *this;
}

const JsonValue& JsonValue::operator[](std::string_view key) const {
  static const JsonValue kNull;
  for (const auto& [k, v] : members) {
    if (k == key) return v;
  }
  return kNull;
}

namespace {

// A number's source text as an integer; 0 when it is not one.
std::int64_t IntOf(std::string_view text) {
  std::int64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

}  // namespace

std::int64_t JsonValue::AsInt() const { return type == Type::kNumber ? IntOf(text) : 0; }

// The one JSON reader: parses into a JsonDoc's flat nodes. Strings without escapes (ids,
// codes, names: nearly all of them) are views into the text; the others are unescaped into the
// document's buffer.
class JsonReader {
 public:
  JsonReader(std::string_view s, JsonDoc* doc) : s_(s), doc_(doc), nodes_(doc->nodes_) {}

  bool Parse(std::string* error) {
    doc_->text_ = s_;
    doc_->decoded_.clear();
    nodes_.clear();
    const bool ok = s_.size() < 0xFFFFFFFFu ? Value(0) && (Skip(), i_ == s_.size()) : Fail("text over 4 GB");
    if (!ok) {
      *error = error_.empty() ? "unexpected text at byte " + std::to_string(i_ + 1) : error_;
      nodes_.clear();
      return false;
    }
    return true;
  }

 private:
  using Type = JsonValue::Type;
  void Skip() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool Fail(const std::string& why) {
    if (error_.empty()) error_ = why + " at byte " + std::to_string(i_ + 1);
    return false;
  }
  bool Literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return Fail("bad literal");
    i_ += word.size();
    return true;
  }
  // Its subtree is complete: the container's next sibling comes next.
  bool Close(std::uint32_t self) {
    nodes_[self].end = static_cast<std::uint32_t>(nodes_.size());
    return true;
  }
  // Appends the value at i_, and everything in it, to the nodes.
  bool Value(int depth) {
    if (depth > 64) return Fail("nesting too deep");
    Skip();
    if (i_ >= s_.size()) return Fail("unexpected end");
    const char c = s_[i_];
    const auto self = static_cast<std::uint32_t>(nodes_.size());
    nodes_.emplace_back();
    nodes_[self].end = self + 1;
    if (c == '{') {
      nodes_[self].type = Type::kObject;
      ++i_;
      Skip();
      if (i_ < s_.size() && s_[i_] == '}') return ++i_, Close(self);
      while (true) {
        Skip();
        bool key_decoded = false;
        std::uint32_t key_offset = 0, key_size = 0;
        if (i_ >= s_.size() || s_[i_] != '"' || !Str(&key_decoded, &key_offset, &key_size)) return Fail("expected a key");
        Skip();
        if (i_ >= s_.size() || s_[i_] != ':') return Fail("expected ':'");
        ++i_;
        const auto member = static_cast<std::uint32_t>(nodes_.size());
        if (!Value(depth + 1)) return false;
        nodes_[member].key_decoded = key_decoded;
        nodes_[member].key_offset = key_offset;
        nodes_[member].key_size = key_size;
        Skip();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == '}') return ++i_, Close(self);
        return Fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      nodes_[self].type = Type::kArray;
      ++i_;
      Skip();
      if (i_ < s_.size() && s_[i_] == ']') return ++i_, Close(self);
      while (true) {
        if (!Value(depth + 1)) return false;
        Skip();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == ']') return ++i_, Close(self);
        return Fail("expected ',' or ']'");
      }
    }
    JsonDoc::Node& n = nodes_[self];
    if (c == '"') {
      n.type = Type::kString;
      return Str(&n.text_decoded, &n.text_offset, &n.text_size);
    }
    if (c == 't') return n.type = Type::kBool, n.boolean = true, Literal("true");
    if (c == 'f') return n.type = Type::kBool, n.boolean = false, Literal("false");
    if (c == 'n') return n.type = Type::kNull, Literal("null");
    if (c == '-' || (c >= '0' && c <= '9')) {
      const std::size_t start = i_;
      ++i_;
      while (i_ < s_.size() && ((s_[i_] >= '0' && s_[i_] <= '9') || s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E' || s_[i_] == '+' || s_[i_] == '-')) ++i_;
      n.type = Type::kNumber;
      n.text_offset = static_cast<std::uint32_t>(start);
      n.text_size = static_cast<std::uint32_t>(i_ - start);
      return true;
    }
    return Fail("unexpected character");
  }
  // The string literal at i_ (at its opening quote): a view into the text when it has no
  // escape, else unescaped into the document's buffer.
  bool Str(bool* decoded, std::uint32_t* offset, std::uint32_t* size) {
    ++i_;  // opening quote
    const std::size_t start = i_;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (!kStringSpecial[static_cast<unsigned char>(c)]) {  // most bytes: one test
        ++i_;
        continue;
      }
      if (c == '\\') break;
      ++i_;
      if (c == '"') {
        *decoded = false;
        *offset = static_cast<std::uint32_t>(start);
        *size = static_cast<std::uint32_t>(i_ - 1 - start);
        return true;
      }
      return Fail("control character in string");
    }
    std::string& out = doc_->decoded_;
    const std::size_t first = out.size();
    out.append(s_.data() + start, i_ - start);
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') {
        *decoded = true;
        *offset = static_cast<std::uint32_t>(first);
        *size = static_cast<std::uint32_t>(out.size() - first);
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (i_ >= s_.size()) break;
      const char e = s_[i_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          if (i_ + 4 > s_.size()) return Fail("bad \\u escape");
          unsigned cp = 0;
          for (int k = 0; k < 4; ++k) {
            const char h = s_[i_++];
            cp = cp * 16 + static_cast<unsigned>(h >= '0' && h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
          }
          if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
          } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          } else {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          }
          break;
        }
        default: return Fail("bad escape");
      }
    }
    return Fail("unterminated string");
  }

  std::string_view s_;
  JsonDoc* doc_;
  std::vector<JsonDoc::Node>& nodes_;
  std::size_t i_ = 0;
  std::string error_;
};

bool JsonDoc::Parse(std::string_view text, std::string* error) { return JsonReader(text, this).Parse(error); }

std::int64_t JsonRef::AsInt() const { return type() == Type::kNumber ? IntOf(text()) : 0; }

JsonValue JsonRef::ToValue() const {
  JsonValue v;
  v.type = type();
  v.boolean = boolean();
  v.text = std::string(text());
  for (JsonRef child : children()) {
    if (v.type == Type::kArray) {
      v.items.push_back(child.ToValue());
    } else {
      v.members.emplace_back(std::string(child.key()), child.ToValue());
    }
  }
  return v;
}

bool ParseJson(std::string_view text, JsonValue* out, std::string* error) {
  JsonDoc doc;
  if (!doc.Parse(text, error)) return false;
  *out = doc.root().ToValue();
  return true;
}

}  // namespace zkmatch
