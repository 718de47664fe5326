// One worker-link socket: the fd and the core's WorkerLink whose bytes it
// carries. The link's output lives in the WorkerLink (the core appends frames
// there); this side writes it out at flush() and on EPOLLOUT.
#pragma once

#include <cstdint>

#include "core/worker_link.h"
#include "engine/poller.h"
#include "engine/timer_wheel.h"

namespace gh {

class EngineImpl;

class LinkConn : public Pollable {
 public:
  LinkConn(EngineImpl* engine, int fd, WorkerLink* link) : engine_(engine), fd(fd), link(link) {}
  void onPoll(uint32_t events) override;

  EngineImpl* engine_;
  int fd;
  WorkerLink* link;  // null once reported to the core (freed there)
  uint32_t pollMask = 0;
  bool finSent = false;
  bool dead = false;
  bool awaitingWritable = false;
  TimerNode timer;  // handshake deadline (core tick), then the close linger
};

// A listening socket (client listener or link listener).
class ListenSocket : public Pollable {
 public:
  enum class Kind : uint8_t { Client, LinkUnix, LinkTcp };
  ListenSocket(EngineImpl* engine, int fd, Kind kind, uint16_t listener) : engine_(engine), fd(fd), kind(kind), listener(listener) {}
  void onPoll(uint32_t events) override;

  EngineImpl* engine_;
  int fd;
  Kind kind;
  uint16_t listener;
};

}  // namespace gh
