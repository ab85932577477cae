// Minimal JSON for the audit log and manifest: a writer that emits keys in the order they are
// given (fixed key order is part of the audit format), and a strict reader for one value,
// which fills either a tree (JsonValue, ParseJson) or a flat reusable document (JsonDoc, for
// reading a million log lines without allocating).
//
// Numbers are written from integers or as strings (scores are decimal strings such as "612.5",
// never floats). The reader keeps numbers as their source text.
// Thread-safety: objects are not shared. Cost: linear in the text.
#ifndef ZKMATCH_JSON_H_
#define ZKMATCH_JSON_H_

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace zkmatch {

// Appends `s` as a JSON string literal (with quotes) to `out`.
void AppendJsonString(std::string* out, std::string_view s);

// The writer's methods are inline: the audit log calls them some thirty times per candidate.
class JsonWriter {
 public:
  JsonWriter() = default;
  explicit JsonWriter(std::size_t reserve) { out_.reserve(reserve); }
  JsonWriter& BeginObject() { return Open('{'); }
  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& BeginArray() { return Open('['); }
  JsonWriter& EndArray() { return Close(']'); }
  JsonWriter& Key(std::string_view key) {
    Separate();
    AppendJsonString(&out_, key);
    out_.push_back(':');
    after_key_ = true;
    return *this;
  }
  JsonWriter& String(std::string_view value) {
    Separate();
    AppendJsonString(&out_, value);
    return *this;
  }
  // For a writer that writes the same names millions of times: a key already made JSON with
  // its colon by QuoteKey, and a string value with nothing to escape (the caller's promise,
  // asserted: no '"', '\\' or control character, e.g. a formatted number).
  JsonWriter& QuotedKey(std::string_view quoted) {
    Separate();
    out_.append(quoted);
    after_key_ = true;
    return *this;
  }
  JsonWriter& PlainString(std::string_view value) {
    assert(std::none_of(value.begin(), value.end(), [](char c) { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }));
    Separate();
    const std::size_t at = out_.size();
    out_.resize(at + value.size() + 2);
    char* p = out_.data() + at;
    p[0] = '"';
    value.copy(p + 1, value.size());
    p[value.size() + 1] = '"';
    return *this;
  }
  // `key` as QuotedKey takes it ("\"key\":"), and `value` as Raw takes a string ("\"value\"").
  static std::string Quote(std::string_view value) {
    std::string out;
    AppendJsonString(&out, value);
    return out;
  }
  static std::string QuoteKey(std::string_view key) { return Quote(key) + ':'; }
  JsonWriter& Int(std::int64_t value);
  JsonWriter& Bool(bool value) { return Raw(value ? "true" : "false"); }
  JsonWriter& Null() { return Raw("null"); }
  // A number already formatted as JSON (e.g. "0.125"), written as is.
  JsonWriter& Raw(std::string_view number) {
    Separate();
    out_.append(number);
    return *this;
  }
  // A string, or null when empty.
  JsonWriter& StringOrNull(std::string_view value) { return value.empty() ? Null() : String(value); }
  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }
  // Empties the writer for the next document, keeping its buffers (no allocation per document).
  void Clear() {
    out_.clear();
    first_.clear();
    after_key_ = false;
  }

 private:
  void Separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_.push_back(',');
      first_.back() = 0;
    }
  }
  JsonWriter& Open(char bracket) {
    Separate();
    out_.push_back(bracket);
    first_.push_back(1);
    return *this;
  }
  JsonWriter& Close(char bracket) {
    out_.push_back(bracket);
    first_.pop_back();
    return *this;
  }
  std::string out_;
  std::vector<char> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

struct JsonMember;

struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  std::string text;  // string value, or a number's source text
  std::vector<JsonValue> items;
  std::vector<JsonMember> members;  // in source order

  // Member by key; a null value when absent.
  const JsonValue& operator[](std::string_view key) const;
  bool is_null() const { return type == Type::kNull; }
  std::int64_t AsInt() const;  // 0 when not an integer
};

// An object member. A struct rather than std::pair<std::string, JsonValue>: that pair of an
// incomplete type does not compile with clang and libstdc++ 12 in C++20 (conditional explicit).
struct JsonMember {
  JsonMember(std::string k, JsonValue v) : first(std::move(k)), second(std::move(v)) {}
  std::string first;
  JsonValue second;
};

// Parses one JSON value filling the whole text. Returns false and sets *error on bad input.
// The same reader as JsonDoc::Parse (same grammar, same messages), copied into a tree.
bool ParseJson(std::string_view text, JsonValue* out, std::string* error);

class JsonDoc;

// A value of a JsonDoc: a view, valid while the document is neither parsed again nor destroyed
// (and, for its strings, while the parsed text lives). A member that is absent reads as null.
class JsonRef {
 public:
  using Type = JsonValue::Type;
  JsonRef() = default;  // null (an absent value)
  Type type() const;
  bool is_null() const { return type() == Type::kNull; }
  bool boolean() const;
  // A string's value (unescaped) or a number's source text; empty for the other types.
  std::string_view text() const;
  // The key of this value when it is a member of an object; empty otherwise.
  std::string_view key() const;
  std::int64_t AsInt() const;  // 0 when not an integer
  // Member by key (the first with that key); a null value when absent or not an object.
  JsonRef operator[](std::string_view key) const;
  // out[i] = (*this)[keys[i]] for every i, in one pass over the members: for reading several
  // members of one object (cost: members x keys short comparisons, against keys x members for
  // as many lookups, each of which also walks the members before the one it finds).
  template <std::size_t N>
  void Members(const std::string_view (&keys)[N], JsonRef (&out)[N]) const;

  // The items of an array or the members of an object (each member's key(): key()), in order.
  class Iterator {
   public:
    JsonRef operator*() const { return JsonRef(doc_, i_); }
    Iterator& operator++();
    bool operator!=(const Iterator& o) const { return i_ != o.i_; }

   private:
    friend class JsonRef;
    Iterator(const JsonDoc* doc, std::uint32_t i) : doc_(doc), i_(i) {}
    const JsonDoc* doc_;
    std::uint32_t i_;
  };
  struct Children {
    Iterator b, e;
    Iterator begin() const { return b; }
    Iterator end() const { return e; }
    bool empty() const { return !(b != e); }
  };
  Children children() const;

  // A copy as a JsonValue tree (for a value kept after the document is reused).
  JsonValue ToValue() const;

 private:
  friend class JsonDoc;
  static constexpr std::uint32_t kAbsent = 0xFFFFFFFFu;
  JsonRef(const JsonDoc* doc, std::uint32_t i) : doc_(doc), i_(i) {}
  const JsonDoc* doc_ = nullptr;
  std::uint32_t i_ = kAbsent;  // node index, or kAbsent
};

// One JSON text parsed flat, for reading many lines fast (the verifier reads a million audit
// records): its nodes in one array in document order, strings as views into the parsed text, or
// into the document's own buffer for strings that had escapes. Parsing again reuses the buffers,
// so a warm document parses without allocating. The grammar and the error messages are
// ParseJson's (one reader serves both). Not thread-safe: one document per thread.
// Cost: linear in the text; member lookup is linear in the object's members.
class JsonDoc {
 public:
  // Parses `text`, which must outlive every view read from the document. False, with *error set,
  // on bad input (the document is then empty).
  bool Parse(std::string_view text, std::string* error);
  JsonRef root() const { return JsonRef(this, nodes_.empty() ? JsonRef::kAbsent : 0); }

 private:
  friend class JsonRef;
  friend class JsonReader;
  struct Node {
    JsonValue::Type type = JsonValue::Type::kNull;
    bool boolean = false;
    bool key_decoded = false;   // key is in decoded_, not in text_
    bool text_decoded = false;  // text likewise
    std::uint32_t key_offset = 0, key_size = 0;
    std::uint32_t text_offset = 0, text_size = 0;
    std::uint32_t end = 0;  // index one past this node's subtree (its next sibling)
  };
  std::string_view View(bool decoded, std::uint32_t offset, std::uint32_t size) const {
    return std::string_view((decoded ? decoded_.data() : text_.data()) + offset, size);
  }
  std::string_view text_;
  std::string decoded_;  // unescaped strings, one after another
  std::vector<Node> nodes_;
};

// JsonRef's accessors are inline: verify calls them some forty times per audit record.
inline JsonRef::Type JsonRef::type() const { return i_ == kAbsent ? Type::kNull : doc_->nodes_[i_].type; }
inline bool JsonRef::boolean() const { return i_ != kAbsent && doc_->nodes_[i_].boolean; }
inline std::string_view JsonRef::text() const {
  if (i_ == kAbsent) return {};
  const JsonDoc::Node& n = doc_->nodes_[i_];
  return doc_->View(n.text_decoded, n.text_offset, n.text_size);
}
inline std::string_view JsonRef::key() const {
  if (i_ == kAbsent) return {};
  const JsonDoc::Node& n = doc_->nodes_[i_];
  return doc_->View(n.key_decoded, n.key_offset, n.key_size);
}
inline JsonRef::Iterator& JsonRef::Iterator::operator++() {
  i_ = doc_->nodes_[i_].end;
  return *this;
}
inline JsonRef::Children JsonRef::children() const {
  const Type t = type();
  if (t != Type::kArray && t != Type::kObject) return {Iterator(doc_, 0), Iterator(doc_, 0)};
  return {Iterator(doc_, i_ + 1), Iterator(doc_, doc_->nodes_[i_].end)};
}
namespace json_internal {
// Whether a member's key is `key`: length and first byte first, as most keys differ there; then
// the rest byte by byte (keys are short, and a call to the library's compare cost more).
inline bool SameKey(std::string_view k, std::string_view key) {
  if (k.size() != key.size() || (!k.empty() && k[0] != key[0])) return false;
  std::size_t i = 1;
  while (i < k.size() && k[i] == key[i]) ++i;
  return i >= k.size();
}
}  // namespace json_internal

inline JsonRef JsonRef::operator[](std::string_view key) const {
  if (type() == Type::kObject) {
    for (JsonRef member : children()) {
      if (json_internal::SameKey(member.key(), key)) return member;
    }
  }
  return JsonRef(doc_, kAbsent);
}

template <std::size_t N>
void JsonRef::Members(const std::string_view (&keys)[N], JsonRef (&out)[N]) const {
  for (JsonRef& o : out) o = JsonRef(doc_, kAbsent);
  if (type() != Type::kObject) return;
  for (JsonRef member : children()) {
    const std::string_view k = member.key();
    for (std::size_t i = 0; i < N; ++i) {
      if (out[i].i_ == kAbsent && json_internal::SameKey(k, keys[i])) {
        out[i] = member;
        break;
      }
    }
  }
}

}  // namespace zkmatch

#endif  // ZKMATCH_JSON_H_
