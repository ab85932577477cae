// libFuzzer target: the JSON reader (engine/src/json.cc) that verify and explain run over
// audit.jsonl and manifest.json.
//
// Parses the bytes; on success walks the value, looks members up and reads integers, and
// checks that every string read back survives the writer: AppendJsonString then ParseJson
// gives the same bytes (the audit log is written by one and read by the other). The flat
// JsonDoc, reused from input to input as verify reuses it from line to line, must give the
// same verdict, message and values as the tree.
// Must never crash, hang or leak, whatever the input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "json.h"

namespace {

void RoundTrip(const std::string& s) {
  std::string literal;
  zkmatch::AppendJsonString(&literal, s);
  zkmatch::JsonValue back;
  std::string error;
  if (!zkmatch::ParseJson(literal, &back, &error)) __builtin_trap();
  if (back.type != zkmatch::JsonValue::Type::kString || back.text != s) __builtin_trap();
}

void Walk(const zkmatch::JsonValue& v, int depth) {
  if (depth > 100) __builtin_trap();  // the reader limits nesting
  volatile std::int64_t sink = v.AsInt();
  (void)sink;
  switch (v.type) {
    case zkmatch::JsonValue::Type::kString: RoundTrip(v.text); break;
    case zkmatch::JsonValue::Type::kArray:
      for (const auto& item : v.items) Walk(item, depth + 1);
      break;
    case zkmatch::JsonValue::Type::kObject:
      for (const auto& [key, member] : v.members) {
        RoundTrip(key);
        (void)v[key];
        Walk(member, depth + 1);
      }
      (void)v["type"];
      break;
    default: break;
  }
}

// The flat document against the tree, node by node.
void Same(zkmatch::JsonRef r, const zkmatch::JsonValue& v) {
  if (r.type() != v.type || r.text() != v.text || r.boolean() != v.boolean || r.AsInt() != v.AsInt()) __builtin_trap();
  std::size_t i = 0;
  for (zkmatch::JsonRef child : r.children()) {
    if (v.type == zkmatch::JsonValue::Type::kArray) {
      if (i >= v.items.size()) __builtin_trap();
      Same(child, v.items[i]);
    } else {
      if (i >= v.members.size() || child.key() != v.members[i].first) __builtin_trap();
      Same(child, v.members[i].second);
      if (r[child.key()].text() != v[v.members[i].first].text) __builtin_trap();
    }
    ++i;
  }
  if (i != v.items.size() + v.members.size()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  zkmatch::JsonValue value;
  std::string error;
  const bool ok = zkmatch::ParseJson(text, &value, &error);
  if (ok) {
    Walk(value, 0);
  } else if (error.empty()) {
    __builtin_trap();  // a refusal always says why
  }
  // The flat reader (verify's), with its buffers left from the last input: the same verdict,
  // message and values as the tree.
  static zkmatch::JsonDoc warm;
  std::string warm_error;
  if (warm.Parse(text, &warm_error) != ok || warm_error != (ok ? std::string() : error)) __builtin_trap();
  if (ok) Same(warm.root(), value);
  return 0;
}
