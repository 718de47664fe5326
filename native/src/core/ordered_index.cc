#include "core/ordered_index.h"

#include <algorithm>

namespace gh {

const OrderedIndex::Entry* OrderedIndex::find(std::string_view key) const {
  auto it = map_.find(key);
  return it == map_.end() ? nullptr : &*it->second;
}

void OrderedIndex::add(std::string_view key, ClientRecord* c) {
  auto it = map_.find(key);
  if (it == map_.end()) {
    entries_.push_back(Entry{std::string(key), {}});
    auto entry = std::prev(entries_.end());
    it = map_.emplace(std::string_view(entry->key), entry).first;
  }
  auto& members = it->second->members;
  if (std::find(members.begin(), members.end(), c) == members.end()) members.push_back(c);
}

void OrderedIndex::remove(std::string_view key, ClientRecord* c) {
  auto it = map_.find(key);
  if (it == map_.end()) return;
  auto entry = it->second;
  auto& members = entry->members;
  auto m = std::find(members.begin(), members.end(), c);
  if (m != members.end()) members.erase(m);
  if (members.empty()) {
    map_.erase(it);
    entries_.erase(entry);
  }
}

std::vector<ClientRecord*> OrderedIndex::take(std::string_view key) {
  auto it = map_.find(key);
  if (it == map_.end()) return {};
  auto entry = it->second;
  std::vector<ClientRecord*> members = std::move(entry->members);
  map_.erase(it);
  entries_.erase(entry);
  return members;
}

}  // namespace gh
