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
  node->dueMs = now + delayMs;
  // A node due in a tick already visited would wait a whole revolution.
  if (node->dueMs / kTickMs < cursorTick_) node->dueMs = cursorTick_ * kTickMs;
  link(node);
  count_++;
  setTicking(true);
}

void TimerWheel::cancel(TimerNode* node) {
  if (!node->armed()) return;
  unlinkNode(node);
  count_--;
}

void TimerWheel::setTicking(bool on) {
  if (on == ticking_ || fd_ < 0) return;
  ticking_ = on;
  itimerspec spec{};
  if (on) {
    spec.it_value.tv_nsec = kTickMs * 1000000L;
    spec.it_interval.tv_nsec = kTickMs * 1000000L;
  }
  timerfd_settime(fd_, 0, &spec, nullptr);
  if (on) cursorTick_ = monotonicMs() / kTickMs;
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
  if (nowTick + 1 > cursorTick_) cursorTick_ = nowTick + 1;
  // Firing may cancel or re-arm any node, those in `expired` included: pop one at a time.
  while (expired.next != &expired) {
    TimerNode* n = expired.next;
    unlinkNode(n);
    count_--;
    if (n->fire != nullptr) n->fire(n, n->owner);
  }
  if (count_ == 0) setTicking(false);
}

void TimerWheel::onPoll(uint32_t) {
  uint64_t expirations;
  while (::read(fd_, &expirations, sizeof expirations) == static_cast<ssize_t>(sizeof expirations)) {
  }
  advance(monotonicMs());
}

}  // namespace gh
