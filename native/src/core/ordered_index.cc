#include "core/ordered_index.h"

#include <algorithm>

namespace gh {

size_t MemberSet::find(ClientRecord* c) const {
  if (slots_.size() >= kIndexFrom) {
    auto it = pos_.find(c);
    return it == pos_.end() ? std::string::npos : it->second;
  }
  for (size_t i = 0; i < slots_.size(); i++)
    if (slots_[i] == c) return i;
  return std::string::npos;
}

bool MemberSet::add(ClientRecord* c) {
  if (find(c) != std::string::npos) return false;
  slots_.push_back(c);
  live_++;
  if (slots_.size() == kIndexFrom) {
    for (size_t i = 0; i < slots_.size(); i++)
      if (slots_[i] != nullptr) pos_[slots_[i]] = i;
  } else if (slots_.size() > kIndexFrom) {
    pos_[c] = slots_.size() - 1;
  }
  return true;
}

bool MemberSet::remove(ClientRecord* c) {
  size_t i = find(c);
  if (i == std::string::npos) return false;
  slots_[i] = nullptr;
  live_--;
  if (slots_.size() >= kIndexFrom) pos_.erase(c);
  if (slots_.size() > 2 * live_ + 8) compact();
  return true;
}

void MemberSet::compact() {
  std::vector<ClientRecord*> live;
  live.reserve(live_);
  for (ClientRecord* c : slots_)
    if (c != nullptr) live.push_back(c);
  slots_.swap(live);
  pos_.clear();
  if (slots_.size() >= kIndexFrom)
    for (size_t i = 0; i < slots_.size(); i++) pos_[slots_[i]] = i;
  else
    std::unordered_map<ClientRecord*, size_t>().swap(pos_);
}

std::vector<ClientRecord*> MemberSet::snapshot() const {
  std::vector<ClientRecord*> out;
  out.reserve(live_);
  for (ClientRecord* c : *this) out.push_back(c);
  return out;
}

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
  it->second->members.add(c);
}

void OrderedIndex::remove(std::string_view key, ClientRecord* c) {
  auto it = map_.find(key);
  if (it == map_.end()) return;
  auto entry = it->second;
  entry->members.remove(c);
  if (entry->members.empty()) {
    map_.erase(it);
    entries_.erase(entry);
  }
}

std::vector<ClientRecord*> OrderedIndex::take(std::string_view key) {
  auto it = map_.find(key);
  if (it == map_.end()) return {};
  auto entry = it->second;
  std::vector<ClientRecord*> members = entry->members.snapshot();
  map_.erase(it);
  entries_.erase(entry);
  return members;
}

}  // namespace gh
