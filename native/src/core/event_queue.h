// A client's events waiting to be sent, in order: an intrusive singly linked
// list through PendingEvent::next, so an idle client's queue is three words and
// allocates nothing (a std::deque would allocate ~512 bytes up front).
#pragma once

#include <cstdint>

#include "core/pending_event.h"

namespace gh {

class EventQueue {
 public:
  EventQueue() = default;
  ~EventQueue() { clear(); }
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  PendingEvent* peek() const { return head_; }

  void push(PendingEvent* ev) {
    ev->next = nullptr;
    ev->prev = nullptr;
    if (tail_ == nullptr) head_ = ev;
    else tail_->next = ev;
    tail_ = ev;
    size_++;
  }

  PendingEvent* shift() {
    PendingEvent* ev = head_;
    if (ev == nullptr) return nullptr;
    head_ = ev->next;
    if (head_ == nullptr) tail_ = nullptr;
    ev->next = nullptr;
    size_--;
    return ev;
  }

  // Puts a chain (linked through next, `count` events, ending at `last`) back in
  // front, in its order: redelivery after a link closed.
  void unshiftChain(PendingEvent* first, PendingEvent* last, uint32_t count) {
    if (first == nullptr) return;
    last->next = head_;
    if (head_ == nullptr) tail_ = last;
    head_ = first;
    size_ += count;
  }

  // Frees every event (the record is being destroyed); returns how many there were.
  uint32_t clear() {
    uint32_t n = size_;
    while (PendingEvent* ev = shift()) delete ev;
    return n;
  }

 private:
  PendingEvent* head_ = nullptr;
  PendingEvent* tail_ = nullptr;
  uint32_t size_ = 0;
};

}  // namespace gh
