// The engine's timers: one timerfd in the epoll set driving a hashed timing
// wheel of intrusive nodes, so arming a timer (a handshake timeout, a close
// linger, the heartbeat tick) never allocates and cancelling is O(1). A node
// lives inside its owner; the timerfd ticks only while some node is armed.
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
  static constexpr uint32_t kSlots = 256;

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
  void setTicking(bool on);

  TimerNode slots_[kSlots];
  Poller* poller_ = nullptr;
  int fd_ = -1;
  size_t count_ = 0;
  uint64_t cursorTick_ = 0;  // next tick to visit
  bool ticking_ = false;
};

}  // namespace gh
