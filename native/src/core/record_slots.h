// The connection table's directory of every tracked record by connection
// number: open addressing with linear probing over one array of record
// pointers, at most 3/4 full, so 8 bytes a slot come to 10.7–21 bytes a record
// where std::unordered_map took a node (a 32-byte malloc chunk) and a bucket
// pointer per record. The key is the record's own number, so a slot holds only
// the pointer. Removal shifts the following entries back (no tombstones, so a
// long-running gateway's lookups do not slow down with churn); the array
// shrinks when it is under 1/8 full, so a crowd that left gives it back.
// The directory owns its records: erase and the destructor delete them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gh {

struct ClientRecord;

class RecordSlots {
 public:
  RecordSlots() = default;
  ~RecordSlots();
  RecordSlots(const RecordSlots&) = delete;
  RecordSlots& operator=(const RecordSlots&) = delete;

  size_t size() const { return size_; }
  size_t capacity() const { return slots_.size(); }
  // Takes ownership; its number (non-zero) must not be in the directory yet.
  void insert(ClientRecord* c);
  ClientRecord* find(uint64_t number) const;
  // Deletes the record with that number, if there is one.
  void erase(uint64_t number);

 private:
  static constexpr size_t kMinSlots = 16;
  size_t home(uint64_t number) const;
  void rehash(size_t slots);
  void place(ClientRecord* c);  // into the first free slot from its home; no resize

  std::vector<ClientRecord*> slots_;  // empty until the first insert; a power of two after
  size_t size_ = 0;
  unsigned shift_ = 64;  // 64 - log2(slots_.size())
};

}  // namespace gh
