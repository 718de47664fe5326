// One client socket as the I/O layer holds it: the fd, its framer, its output
// and its close state. Paired with the core's ClientRecord once the client is in
// the table (TCP: at accept; WebSocket: after the 101); before that a websocket
// listener's socket is plain HTTP (static routes, the upgrade request).
//
// Memory while idle: this struct, the framer's fixed part and nothing on the
// heap: output and partial input are allocated only while they hold bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <variant>

#include "core/client_record.h"
#include "engine/out_buffer.h"
#include "engine/poller.h"
#include "engine/timer_wheel.h"
#include "transport/http_request.h"
#include "transport/length_prefix_framer.h"
#include "transport/line_framer.h"
#include "transport/websocket_parser.h"

namespace gh {

class EngineImpl;

enum class ConnPhase : uint8_t {
  Http,    // websocket listener before the upgrade: HTTP requests
  Stream,  // a client in the table: framed messages
  Dead,    // fd closed; waiting to be freed after the current batch
};

class ClientConn : public Pollable {
 public:
  ClientConn(EngineImpl* engine, int fd, uint16_t listener) : engine_(engine), fd(fd), listener(listener) {}
  void onPoll(uint32_t events) override;

  EngineImpl* engine_;
  int fd;
  uint16_t listener;
  ConnPhase phase = ConnPhase::Stream;
  bool websocket = false;
  uint32_t pollMask = 0;        // what epoll watches now
  bool readsPaused = false;     // the engine's pause (held events)
  bool forceRead = false;       // resumeClient: read even while paused (graceful stop)
  bool inFlushList = false;
  bool finAfterOutput = false;  // shut our side once the output is written
  bool finSent = false;
  bool wsCloseSent = false;     // no more data frames after our close frame
  bool wsCloseReceived = false;
  bool lingering = false;       // the close linger timer is armed
  bool awaitingWritable = false;  // EAGAIN: EPOLLOUT watched until the kernel takes the rest
  bool inputDone = false;         // framing failed or the last HTTP answer is queued: bytes are read and dropped
  bool registered = false;        // in the epoll set (removed while nothing is watched, so a HUP cannot spin)

  ClientRecord* record = nullptr;  // null in the Http phase and once reported closed
  OutBuffer out;
  TimerNode timer;  // Http: idle/head timeout; closing: linger

  std::variant<std::monostate, LineFramer, LengthPrefixFramer, WebSocketParser> framer;
  std::unique_ptr<HttpRequestParser> http;  // Http phase only

  // The engine's list of every client socket (pause/resume, stop, destructor).
  ClientConn* prev = nullptr;
  ClientConn* next = nullptr;
};

}  // namespace gh
