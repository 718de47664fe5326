// uid → clients and group → clients, both in insertion order as the JS engine's
// Map<string, Set<Connection>> iterates them (queries report keys and members in
// that order). An entry with no member is deleted, so the keys are the live
// uids and groups.
#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gh {

struct ClientRecord;

class OrderedIndex {
 public:
  struct Entry {
    std::string key;
    std::vector<ClientRecord*> members;  // insertion order
  };

  OrderedIndex() = default;
  OrderedIndex(const OrderedIndex&) = delete;
  OrderedIndex& operator=(const OrderedIndex&) = delete;

  size_t size() const { return map_.size(); }
  // The entry of key, or nullptr.
  const Entry* find(std::string_view key) const;
  void add(std::string_view key, ClientRecord* c);
  void remove(std::string_view key, ClientRecord* c);
  // Removes the whole entry; returns its members (in order).
  std::vector<ClientRecord*> take(std::string_view key);
  const std::list<Entry>& entries() const { return entries_; }

 private:
  std::list<Entry> entries_;
  std::unordered_map<std::string_view, std::list<Entry>::iterator> map_;  // views into entries_' keys
};

}  // namespace gh
