// The engine's timers: one timerfd in the epoll set driving a hashed timing
// wheel of intrusive nodes, so arming a timer (a handshake timeout, a close
// linger, the heartbeat tick) never allocates and cancelling is O(1). A node
// lives inside its owner. The timerfd is armed one-shot for the earliest due
// node, so an engine with nothing due never wakes up.
#pragma once

#include <cstdint>
#include <string>

#include "engine/poller.h"

namespace gh {

struct TimerNode {
  TimerNode* prev = nullptr;  // circular list of its slot; null when not armed
  TimerNode* next = nullptr;
  uint64_t dueMs = 0;
  void (*fire)(TimerNode* node, void* owner) = nullptr;
  void* owner = nullptr;
  bool armed() const { return prev != nullptr; }
};

uint64_t monotonicMs();
uint64_t wallClockMs();

class TimerWheel : public Pollable {
 public:
  static constexpr uint32_t kTickMs = 10;
  // 10.24 s per revolution: handshake timeouts and close lingers (5 s) fall within one.
  static constexpr uint32_t kSlots = 1024;

  TimerWheel();
  ~TimerWheel() override;
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  bool open(Poller* poller, std::string* error);
  // (Re)arms node to fire once, delayMs from now (rounded up to the tick).
  void schedule(TimerNode* node, uint64_t delayMs);
  void cancel(TimerNode* node);
  size_t armedCount() const { return count_; }
  // Fires every node due at or before nowMs. Called from onPoll; tests call it directly.
  void advance(uint64_t nowMs);
  void onPoll(uint32_t events) override;

 private:
  void link(TimerNode* node);
  uint64_t nextDue() const;  // 0: nothing armed
  void armFor(uint64_t dueMs);

  TimerNode slots_[kSlots];
  Poller* poller_ = nullptr;
  int fd_ = -1;
  size_t count_ = 0;
  uint64_t cursorTick_ = 0;  // next tick to visit
  uint64_t armedDue_ = 0;    // what the timerfd is set for (0: disarmed)
};

}  // namespace gh
