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

// The members of one entry in insertion order, with O(1) add/remove: removed
// members leave a hole (nullptr) that iteration skips, compacted once holes
// outnumber members; a position index exists only for large entries (a uid has
// one member, a room may have thousands).
class MemberSet {
 public:
  class Iterator {
   public:
    Iterator(ClientRecord* const* p, ClientRecord* const* end) : p_(p), end_(end) { skip(); }
    ClientRecord* operator*() const { return *p_; }
    Iterator& operator++() {
      ++p_;
      skip();
      return *this;
    }
    bool operator!=(const Iterator& o) const { return p_ != o.p_; }

   private:
    void skip() {
      while (p_ != end_ && *p_ == nullptr) ++p_;
    }
    ClientRecord* const* p_;
    ClientRecord* const* end_;
  };

  size_t size() const { return live_; }
  bool empty() const { return live_ == 0; }
  Iterator begin() const { return Iterator(slots_.data(), slots_.data() + slots_.size()); }
  Iterator end() const { return Iterator(slots_.data() + slots_.size(), slots_.data() + slots_.size()); }
  bool add(ClientRecord* c);  // false when already a member
  bool remove(ClientRecord* c);
  std::vector<ClientRecord*> snapshot() const;

 private:
  static constexpr size_t kIndexFrom = 32;
  size_t find(ClientRecord* c) const;  // slot or npos
  void compact();
  std::vector<ClientRecord*> slots_;
  size_t live_ = 0;
  std::unordered_map<ClientRecord*, size_t> pos_;  // used once slots_ reaches kIndexFrom
};

class OrderedIndex {
 public:
  struct Entry {
    std::string key;
    MemberSet members;  // insertion order
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
