// Insertion-ordered sets of clients without allocation: intrusive doubly linked
// lists through a ClientHook member of ClientRecord. A record can be in one list
// per hook (online order, the pinned set of its link, the one waiting set it is
// in), which is exactly what the router's invariants allow. They keep the
// iteration order of the JS engine's Sets: add appends (a no-op when already in),
// remove then add moves to the back.
#pragma once

#include <cstddef>

namespace gh {

struct ClientRecord;

struct ClientHook {
  ClientRecord* prev = nullptr;
  ClientRecord* next = nullptr;
  const void* owner = nullptr;  // the list the record is in, or nullptr
};

template <ClientHook ClientRecord::*Hook>
class ClientList {
 public:
  ClientList() = default;
  ClientList(const ClientList&) = delete;
  ClientList& operator=(const ClientList&) = delete;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  ClientRecord* front() const { return head_; }
  static ClientRecord* nextOf(const ClientRecord* c);
  bool has(const ClientRecord* c) const;
  // Appends; true when added, false when already in this list. A record in
  // another list on the same hook is taken out of it first (owner checked).
  bool add(ClientRecord* c);
  bool remove(ClientRecord* c);
  // Empties the list (records are only unhooked).
  void clear();

 private:
  ClientRecord* head_ = nullptr;
  ClientRecord* tail_ = nullptr;
  size_t size_ = 0;
};

}  // namespace gh
