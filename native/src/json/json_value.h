#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace gh {

enum class JsonType : uint8_t { Null, Bool, Number, String, Array, Object };

// An ordered JSON DOM that behaves like what JSON.parse builds in JavaScript:
// objects keep their keys in JavaScript property order (canonical array-index
// keys "0".."4294967294" ascending first, then the others in insertion order),
// so serializing gives what JSON.stringify would. Numbers keep their source
// text; strings and keys hold their decoded UTF-8 (a lone surrogate escape in
// its 3-byte generalized form, see appendJsonString).
class JsonValue {
 public:
  using Member = std::pair<std::string, JsonValue>;

  JsonValue() = default;
  static JsonValue makeNull() { return JsonValue(); }
  static JsonValue makeBool(bool b);
  static JsonValue makeNumber(std::string_view text);  // text must be a JSON number
  static JsonValue makeString(std::string s);
  static JsonValue makeArray();
  static JsonValue makeObject();

  JsonType type() const { return type_; }
  bool isNull() const { return type_ == JsonType::Null; }
  bool isBool() const { return type_ == JsonType::Bool; }
  bool isNumber() const { return type_ == JsonType::Number; }
  bool isString() const { return type_ == JsonType::String; }
  bool isArray() const { return type_ == JsonType::Array; }
  bool isObject() const { return type_ == JsonType::Object; }

  bool boolValue() const { return bool_; }
  // The number's JSON source text, or the string's decoded value.
  const std::string& text() const { return text_; }
  double numberValue() const;

  // Arrays: the items; objects: the members in property order. Empty otherwise.
  const std::vector<JsonValue>& items() const { return items_; }
  std::vector<JsonValue>& items() { return items_; }
  const std::vector<Member>& members() const { return members_; }
  void push(JsonValue v) { items_.push_back(std::move(v)); }
  // Moves the members out (the object is left empty), for consumers that
  // move the values elsewhere.
  std::vector<Member> takeMembers() {
    std::vector<Member> out = std::move(members_);
    members_.clear();
    return out;
  }

  // Objects only. find returns null when the key is absent.
  const JsonValue* find(std::string_view key) const;
  JsonValue* find(std::string_view key);
  // Sets key to v: an existing key keeps its place; a new one goes where
  // JavaScript would put it. Returns the stored value.
  JsonValue& set(std::string_view key, JsonValue v);
  // Removes key; false when it was absent.
  bool remove(std::string_view key);

  // Batch forms for big objects, linear in size + count where a loop of
  // set()/remove() would be quadratic; the results are the same.
  // upsertAll: for each incoming member in order, combine(existing, value)
  // when the key exists, else the member is added where set() would put it.
  template <typename Combine>
  void upsertAll(std::vector<Member>&& incoming, Combine&& combine);
  void removeAll(const std::vector<std::string_view>& keys);

  // For parsers that add many members at once: append in source order, then
  // finishObject() merges duplicates (the last value wins, at the first key's
  // place, as JSON.parse does) and moves array-index keys to the front.
  void appendMember(std::string key, JsonValue v) { members_.emplace_back(std::move(key), std::move(v)); }
  void finishObject();

 private:
  // Restores JavaScript order after appends: array-index keys ascending
  // first, the others keeping their relative (insertion) order.
  void sortIndexKeysFirst();
  JsonType type_ = JsonType::Null;
  bool bool_ = false;
  std::string text_;
  std::vector<JsonValue> items_;
  std::vector<Member> members_;
};

template <typename Combine>
void JsonValue::upsertAll(std::vector<Member>&& incoming, Combine&& combine) {
  if (members_.size() * incoming.size() <= 64) {
    for (Member& m : incoming) {
      if (JsonValue* existing = find(m.first)) {
        combine(*existing, std::move(m.second));
      } else {
        set(m.first, std::move(m.second));
      }
    }
    return;
  }
  // With the capacity reserved no member moves until the final sort, so views
  // of the keys stay valid as the map's keys.
  members_.reserve(members_.size() + incoming.size());
  std::unordered_map<std::string_view, size_t> at;
  at.reserve(members_.capacity());
  for (size_t i = 0; i < members_.size(); i++) at.emplace(members_[i].first, i);
  bool added = false;
  for (Member& m : incoming) {
    auto found = at.find(m.first);
    if (found != at.end()) {
      combine(members_[found->second].second, std::move(m.second));
      continue;
    }
    members_.push_back(std::move(m));
    at.emplace(members_.back().first, members_.size() - 1);
    added = true;
  }
  if (added) sortIndexKeysFirst();
}

// True when key is a canonical array index (0 .. 2^32-2, no leading zero);
// *index gets its value.
bool jsonArrayIndexKey(std::string_view key, uint32_t* index);

// Parses one JSON text (JSON whitespace around allowed) exactly as JSON.parse
// does, nesting bounded by kMaxJsonDepth. On false *out is unspecified and
// *error (when given) says why.
bool parseJson(std::string_view text, JsonValue* out, std::string* error);

// JSON.parse(buffer.toString('utf8')): parseJson after the decode Node does,
// so invalid UTF-8 becomes U+FFFD instead of failing. For JSON read off a link.
bool parseJsonBuffer(std::string_view bytes, JsonValue* out, std::string* error);

// Appends JSON.stringify(v) (compact).
void serializeJson(const JsonValue& v, std::string& out);

}  // namespace gh
