// One epoll set for everything the engine watches. Registered objects derive
// from Pollable; epoll hands the pointer back, so no fd→object lookup exists.
// Objects are never freed while a batch of events is being handled (see
// EngineImpl's graveyard): a pointer later in the batch could dangle otherwise.
#pragma once

#include <cstdint>
#include <sys/epoll.h>

#include <string>

namespace gh {

class Pollable {
 public:
  virtual ~Pollable() = default;
  virtual void onPoll(uint32_t events) = 0;
};

class Poller {
 public:
  Poller() = default;
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  bool open(std::string* error);
  int fd() const { return fd_; }
  // Level-triggered: a socket left with unread bytes (work cap reached) comes back next run().
  bool add(int fd, uint32_t events, Pollable* target, std::string* error);
  bool modify(int fd, uint32_t events, Pollable* target);
  void remove(int fd);
  // Non-blocking: fills at most max entries; returns how many (0 on EINTR or nothing ready).
  int wait(epoll_event* events, int max);

 private:
  int fd_ = -1;
};

}  // namespace gh
