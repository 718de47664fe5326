#include "json/json_value.h"

#include <algorithm>
#include <cstddef>
#include <unordered_map>

#include "json/json_number.h"

namespace gh {

JsonValue JsonValue::makeBool(bool b) {
  JsonValue v;
  v.type_ = JsonType::Bool;
  v.bool_ = b;
  return v;
}

JsonValue JsonValue::makeNumber(std::string_view text) {
  JsonValue v;
  v.type_ = JsonType::Number;
  v.text_.assign(text.data(), text.size());
  return v;
}

JsonValue JsonValue::makeString(std::string s) {
  JsonValue v;
  v.type_ = JsonType::String;
  v.text_ = std::move(s);
  return v;
}

JsonValue JsonValue::makeArray() {
  JsonValue v;
  v.type_ = JsonType::Array;
  return v;
}

JsonValue JsonValue::makeObject() {
  JsonValue v;
  v.type_ = JsonType::Object;
  return v;
}

double JsonValue::numberValue() const { return jsonNumberValue(text_); }

bool jsonArrayIndexKey(std::string_view key, uint32_t* index) {
  if (key.empty() || key.size() > 10) return false;
  if (key[0] == '0' && key.size() > 1) return false;
  uint64_t v = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > 4294967294ULL) return false;
  *index = static_cast<uint32_t>(v);
  return true;
}

const JsonValue* JsonValue::find(std::string_view key) const {
  for (const Member& m : members_)
    if (m.first == key) return &m.second;
  return nullptr;
}

JsonValue* JsonValue::find(std::string_view key) {
  for (Member& m : members_)
    if (m.first == key) return &m.second;
  return nullptr;
}

JsonValue& JsonValue::set(std::string_view key, JsonValue v) {
  if (JsonValue* existing = find(key)) {
    *existing = std::move(v);
    return *existing;
  }
  uint32_t index;
  size_t at = members_.size();
  if (jsonArrayIndexKey(key, &index)) {
    // Index keys form a sorted prefix: insert after the last smaller one.
    at = 0;
    uint32_t other;
    while (at < members_.size() && jsonArrayIndexKey(members_[at].first, &other) && other < index) at++;
  }
  auto it = members_.emplace(members_.begin() + static_cast<std::ptrdiff_t>(at), std::string(key), std::move(v));
  return it->second;
}

bool JsonValue::remove(std::string_view key) {
  for (auto it = members_.begin(); it != members_.end(); ++it) {
    if (it->first == key) {
      members_.erase(it);
      return true;
    }
  }
  return false;
}

void JsonValue::removeAll(const std::vector<std::string_view>& keys) {
  if (members_.size() * keys.size() <= 64) {
    for (std::string_view k : keys) remove(k);
    return;
  }
  std::unordered_map<std::string_view, bool> doomed;
  doomed.reserve(keys.size());
  for (std::string_view k : keys) doomed.emplace(k, true);
  // Decide first, move after: the map's views may point into these keys.
  std::vector<bool> drop(members_.size());
  for (size_t i = 0; i < members_.size(); i++) drop[i] = doomed.count(members_[i].first) > 0;
  size_t kept = 0;
  for (size_t i = 0; i < members_.size(); i++) {
    if (drop[i]) continue;
    if (kept != i) members_[kept] = std::move(members_[i]);
    kept++;
  }
  members_.resize(kept);
}

void JsonValue::finishObject() {
  if (members_.size() > 1) {
    // Pass 1 moves only values, never keys, so the views stay valid.
    std::vector<bool> dropped(members_.size(), false);
    bool anyDropped = false;
    {
      std::unordered_map<std::string_view, size_t> firstAt;
      firstAt.reserve(members_.size());
      for (size_t i = 0; i < members_.size(); i++) {
        auto inserted = firstAt.emplace(members_[i].first, i);
        if (inserted.second) continue;
        members_[inserted.first->second].second = std::move(members_[i].second);
        dropped[i] = true;
        anyDropped = true;
      }
    }
    if (anyDropped) {
      size_t kept = 0;
      for (size_t i = 0; i < members_.size(); i++) {
        if (dropped[i]) continue;
        if (kept != i) members_[kept] = std::move(members_[i]);
        kept++;
      }
      members_.resize(kept);
    }
  }
  sortIndexKeysFirst();
}

void JsonValue::sortIndexKeysFirst() {
  uint32_t a, b;
  bool anyIndex = false;
  for (const Member& m : members_)
    if (jsonArrayIndexKey(m.first, &a)) {
      anyIndex = true;
      break;
    }
  if (!anyIndex) return;
  std::stable_sort(members_.begin(), members_.end(), [&](const Member& x, const Member& y) {
    bool xi = jsonArrayIndexKey(x.first, &a);
    bool yi = jsonArrayIndexKey(y.first, &b);
    if (xi != yi) return xi;
    return xi && a < b;
  });
}

}  // namespace gh
