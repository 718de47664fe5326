// One client socket as the I/O layer holds it: the fd, its framer, its output
// and its close state. Paired with the core's ClientRecord once the client is in
// the table (TCP: at accept; WebSocket: after the 101); before that a websocket
// listener's socket is plain HTTP (static routes, the upgrade request).
//
// Memory while idle: this struct (88 bytes, a 96-byte chunk; a test pins it)
// and its framer (client_framer.h; a text client's is a 32-byte chunk). Output,
// the HTTP parser and the timer node are allocated only while they are used:
// bytes are queued, the socket is in its HTTP phase, a timeout or linger is
// armed. Flags are bits. docs/native-engine.md "Memory per connection".
#pragma once

#include <cstdint>
#include <memory>

#include "core/client_record.h"
#include "engine/client_framer.h"
#include "engine/out_buffer.h"
#include "engine/poller.h"
#include "engine/timer_wheel.h"
#include "transport/http_request.h"

namespace gh {

class EngineImpl;

enum class ConnPhase : uint8_t {
  Http,    // websocket listener before the upgrade: HTTP requests
  Stream,  // a client in the table: framed messages
  Dead,    // fd closed; waiting to be freed after the current batch
};

class ClientConn : public Pollable {
 public:
  ClientConn(EngineImpl* engine, int fd, uint16_t listener)
      : engine_(engine),
        fd(fd),
        listener(listener),
        websocket(false),
        readsPaused(false),
        forceRead(false),
        inFlushList(false),
        finAfterOutput(false),
        finSent(false),
        wsCloseSent(false),
        wsCloseReceived(false),
        lingering(false),
        awaitingWritable(false),
        inputDone(false),
        registered(false) {}
  void onPoll(uint32_t events) override;
  // The timer node, allocated on first use (Http timeouts, the close linger).
  TimerNode& timerNode() {
    if (!timer) {
      timer = std::make_unique<TimerNode>();
      timer->owner = this;
    }
    return *timer;
  }

  EngineImpl* engine_;
  ClientRecord* record = nullptr;  // null in the Http phase and once reported closed
  OutBuffer out;
  std::unique_ptr<TimerNode> timer;  // Http: idle/head timeout; closing: linger; null until armed once
  ClientFramer framer;
  std::unique_ptr<HttpRequestParser> http;  // Http phase only

  // The engine's list of every client socket (pause/resume, stop, destructor).
  ClientConn* prev = nullptr;
  ClientConn* next = nullptr;

  int fd;
  uint32_t pollMask = 0;  // what epoll watches now
  uint16_t listener;
  ConnPhase phase = ConnPhase::Stream;
  // Bits, not bools (C++17 has no default initializers for bit-fields: the constructor sets them).
  bool websocket : 1;
  bool readsPaused : 1;       // the engine's pause (held events)
  bool forceRead : 1;         // resumeClient: read even while paused (graceful stop)
  bool inFlushList : 1;
  bool finAfterOutput : 1;    // shut our side once the output is written
  bool finSent : 1;
  bool wsCloseSent : 1;       // no more data frames after our close frame
  bool wsCloseReceived : 1;
  bool lingering : 1;         // the close linger timer is armed
  bool awaitingWritable : 1;  // EAGAIN: EPOLLOUT watched until the kernel takes the rest
  bool inputDone : 1;         // framing failed or the last HTTP answer is queued: bytes are read and dropped
  bool registered : 1;        // in the epoll set (removed while nothing is watched, so a HUP cannot spin)
};

}  // namespace gh
