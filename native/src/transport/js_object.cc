#include "transport/js_object.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "json/json_string.h"

namespace gh {

bool isArrayIndexKey(std::string_view key) {
  if (key.empty() || key.size() > 10) return false;
  if (key.size() > 1 && key[0] == '0') return false;
  uint64_t value = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value <= 4294967294ULL;
}

void JsObjectWriter::add(std::string key, std::string json) {
  entries_.push_back(Entry{std::move(key), std::move(json)});
}

void JsObjectWriter::appendTo(std::string& out) const {
  std::vector<const Entry*> indexes;
  for (const Entry& e : entries_) {
    if (isArrayIndexKey(e.key)) indexes.push_back(&e);
  }
  std::sort(indexes.begin(), indexes.end(), [](const Entry* a, const Entry* b) {
    return a->key.size() != b->key.size() ? a->key.size() < b->key.size() : a->key < b->key;
  });
  out.push_back('{');
  bool first = true;
  auto write = [&](const Entry& e) {
    if (!first) out.push_back(',');
    first = false;
    appendJsonString(out, e.key);
    out.push_back(':');
    out.append(e.json);
  };
  for (const Entry* e : indexes) write(*e);
  for (const Entry& e : entries_) {
    if (!isArrayIndexKey(e.key)) write(e);
  }
  out.push_back('}');
}

}  // namespace gh
