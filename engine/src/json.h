// Minimal JSON for the audit log and manifest: a writer that emits keys in the order they are
// given (fixed key order is part of the audit format), and a strict reader for one value.
//
// Numbers are written from integers or as strings (scores are decimal strings such as "612.5",
// never floats). The reader keeps numbers as their source text.
// Thread-safety: objects are not shared. Cost: linear in the text.
#ifndef ZKMATCH_JSON_H_
#define ZKMATCH_JSON_H_

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
bool ParseJson(std::string_view text, JsonValue* out, std::string* error);

}  // namespace zkmatch

#endif  // ZKMATCH_JSON_H_
