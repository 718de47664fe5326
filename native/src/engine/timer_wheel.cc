#include "engine/timer_wheel.h"

#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

namespace gh {

uint64_t monotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

uint64_t wallClockMs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

static void unlinkNode(TimerNode* node) {
  node->prev->next = node->next;
  node->next->prev = node->prev;
  node->prev = node->next = nullptr;
}

TimerWheel::TimerWheel() {
  for (TimerNode& s : slots_) s.prev = s.next = &s;
  cursorTick_ = monotonicMs() / kTickMs;
}


TimerWheel::~TimerWheel() {
  // Owners outlive nothing here: just detach so no node points into freed slots.
  for (TimerNode& s : slots_) {
    while (s.next != &s) unlinkNode(s.next);
  }
  if (fd_ >= 0) {
    if (poller_ != nullptr) poller_->remove(fd_);
    ::close(fd_);
  }
}

bool TimerWheel::open(Poller* poller, std::string* error) {
  fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd_ < 0) {
    *error = std::string("timerfd_create: ") + strerror(errno);
    return false;
  }
  poller_ = poller;
  return poller->add(fd_, EPOLLIN, this, error);
}

void TimerWheel::link(TimerNode* node) {
  TimerNode* head = &slots_[(node->dueMs / kTickMs) % kSlots];
  node->next = head;
  node->prev = head->prev;
  head->prev->next = node;
  head->prev = node;
}

void TimerWheel::schedule(TimerNode* node, uint64_t delayMs) {
  if (node->armed()) {
    unlinkNode(node);
    count_--;
  }
  uint64_t now = monotonicMs();
  if (count_ == 0 && now / kTickMs > cursorTick_) cursorTick_ = now / kTickMs;
  node->dueMs = now + delayMs;
  // A node due in a tick already visited would wait a whole revolution.
  if (node->dueMs / kTickMs < cursorTick_) node->dueMs = cursorTick_ * kTickMs;
  link(node);
  count_++;
  if (armedDue_ == 0 || node->dueMs < armedDue_) armFor(node->dueMs);
}

void TimerWheel::cancel(TimerNode* node) {
  if (!node->armed()) return;
  unlinkNode(node);
  count_--;
}

uint64_t TimerWheel::nextDue() const {
  if (count_ == 0) return 0;
  // The first slot holding a node due in its own tick has the earliest node; nodes a
  // revolution or more away are only candidates if no such slot exists.
  uint64_t best = UINT64_MAX;
  for (uint64_t t = cursorTick_; t < cursorTick_ + kSlots; t++) {
    const TimerNode* head = &slots_[t % kSlots];
    bool inTick = false;
    for (const TimerNode* n = head->next; n != head; n = n->next) {
      if (n->dueMs < best) best = n->dueMs;
      if (n->dueMs / kTickMs <= t) inTick = true;
    }
    if (inTick) break;
  }
  return best;
}

void TimerWheel::armFor(uint64_t dueMs) {
  armedDue_ = dueMs;
  if (fd_ < 0) return;
  itimerspec spec{};
  if (dueMs != 0) {
    spec.it_value.tv_sec = static_cast<time_t>(dueMs / 1000);
    spec.it_value.tv_nsec = static_cast<long>(dueMs % 1000) * 1000000L;
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  }
  timerfd_settime(fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

void TimerWheel::advance(uint64_t nowMs) {
  uint64_t nowTick = nowMs / kTickMs;
  // After a long stall every slot is visited once: lazily-kept far nodes stay.
  uint64_t first = cursorTick_;
  if (nowTick >= first + kSlots) first = nowTick - kSlots + 1;
  TimerNode expired;
  expired.prev = expired.next = &expired;
  for (uint64_t t = first; t <= nowTick; t++) {
    TimerNode* head = &slots_[t % kSlots];
    for (TimerNode* n = head->next; n != head;) {
      TimerNode* next = n->next;
      if (n->dueMs <= nowMs) {
        unlinkNode(n);
        n->next = &expired;
        n->prev = expired.prev;
        expired.prev->next = n;
        expired.prev = n;
      }
      n = next;
    }
  }
  // The current tick stays: a node due later within it must be seen next time.
  if (nowTick > cursorTick_) cursorTick_ = nowTick;
  // Firing may cancel or re-arm any node, those in `expired` included: pop one at a time.
  while (expired.next != &expired) {
    TimerNode* n = expired.next;
    unlinkNode(n);
    count_--;
    if (n->fire != nullptr) n->fire(n, n->owner);
  }
  armFor(nextDue());
}

void TimerWheel::onPoll(uint32_t) {
  uint64_t expirations;
  while (::read(fd_, &expirations, sizeof expirations) == static_cast<ssize_t>(sizeof expirations)) {
  }
  advance(monotonicMs());
}

}  // namespace gh
