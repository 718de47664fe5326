// The native gateway engine as the addon (and the standalone tests) see it:
// the C++ counterpart of the Engine interface in src/gateway/engine.ts. It owns
// every client socket, every worker link, the connection table, heartbeats and
// flow control, all on one epoll set that the caller drives: it watches pollFd()
// for readability (Node: one uv_poll) and calls run(); it calls flush() once at
// the end of each loop turn (Node: uv_check). Nothing here is called per
// message, and nothing throws: failures come back as false + *error.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/control_event.h"
#include "core/engine_stats.h"
#include "core/listener_protocol.h"

namespace gh {

struct StaticRouteSpec {
  std::string path;         // exact URL path, e.g. "/"
  std::string contentType;  // e.g. "text/html; charset=utf-8"
  std::string body;         // file content, read by the caller
};

struct ListenerSpec {
  std::string name;
  ListenerProtocol protocol = ListenerProtocol::Text;
  std::string host = "0.0.0.0";  // IPv4 or IPv6 literal ("::" is dual-stack)
  int port = 0;                  // 0: the system chooses; several processes may bind one port (SO_REUSEPORT)
  uint32_t maxMessageSize = 1024 * 1024;
  int backlog = 511;             // listen(2) backlog; the TS side defaults it to net.core.somaxconn
  int frameHeaderSize = 4;       // protocol Frame: 2 or 4
  bool frameLittleEndian = false;
  bool frameLengthIncludesHeader = false;
  std::vector<StaticRouteSpec> staticRoutes;  // protocol WebSocket: plain HTTP GETs (+ the built-in /healthz)
};

struct EngineOptions {
  std::string gatewayId;  // 12 lowercase hex characters: the first half of every client id
  int pid = 0;            // reported in Hello
  std::vector<ListenerSpec> listeners;
  std::string linkPath;   // Unix socket for worker links (created by start(), removed by the destructor)
  std::string linkHost;   // TCP worker-link listener host; empty: none
  int linkPort = 0;
  std::string secret;     // HMAC key of the link handshake ("" when no secretKey)
  // gateway.* settings (docs/configuration.md)
  uint32_t maxUnackedEvents = 65536;
  uint64_t sendBufferSize = 1024 * 1024;
  bool slowConsumerClose = false;  // policy 'close' (else 'drop')
  uint32_t pingIntervalMs = 0;     // 0: no heartbeat
  uint32_t pingNotResponseLimit = 0;
  std::string pingData;            // "" sends nothing
  // tuning (JsEngineTuning in src/gateway/engine-js/js-engine.ts)
  uint64_t linkOutputLimit = 4 * 1024 * 1024;
  uint32_t handshakeTimeoutMs = 5000;
  uint32_t maxLinkFrameSize = 16 * 1024 * 1024;
  uint32_t closeLingerMs = 5000;
  // Work done by one run() before it returns, so one busy socket cannot starve Node's loop.
  uint32_t maxReadsPerRun = 1024;
  // The counters kept per listener (LISTENER_COUNTERS of src/gateway/listener-counters.ts).
  std::vector<std::string> listenerCounters;
};

struct BoundListener {
  std::string name;
  ListenerProtocol protocol;
  std::string host;
  int port;  // the bound port (0 resolved)
};

struct BoundAddresses {
  std::vector<BoundListener> listeners;
  std::string linkPath;
  int linkPort = -1;  // -1: no TCP link listener
};

class EngineImpl;

class Engine {
 public:
  explicit Engine(EngineOptions options);
  ~Engine();  // closes every fd and removes the link socket file
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Binds every client listener and the link listener(s); on failure nothing stays bound.
  bool start(BoundAddresses* out, std::string* error);
  // The epoll fd: readable whenever run() has something to do (sockets, timers).
  int pollFd() const;
  // Handles ready sockets and due timers without blocking (bounded work), then flushes output.
  void run();
  // Writes output corked since the last flush: one write per socket.
  void flush();

  // Stop primitives; src/gateway/engine-native/ sequences them like JsEngine#stop.
  void stopAccepting();            // closes client and link listeners, stops the heartbeat
  void setReadsHeld(bool held);    // held: no reading from clients whatever the held-events count
  uint64_t heldEvents() const;     // unacked + waiting
  size_t linkCount() const;        // open links (handshake done)
  size_t connectionCount() const;  // open clients (the `connections` counter)
  size_t trackedCount() const;     // open + closing + closed-awaiting-ack records
  // Gracefully closes up to `max` open clients (queued output first, then TCP FIN / WebSocket close
  // with wsCode and reason), resumes reading them so their FIN is seen; returns how many open remain.
  size_t closeClients(size_t max, const std::string& reason, uint16_t wsCode);
  void closeLinks(const std::string& reason);
  void destroyAll(const std::string& reason);

  EngineStatsSnapshot stats() const;
  // ConnectionRow[] of src/gateway/engine.ts as a JSON array; limit 0: all; listener "": any.
  std::string connectionsJson(size_t limit, const std::string& listener) const;
  std::vector<ControlEvent> takeEvents();
  // See GatewayCore::setProtocol2Handshake: how a version-2 worker's handshake is derived.
  void setProtocol2Handshake(std::function<bool(std::string_view raw, std::string* derived)> derive);

 private:
  std::unique_ptr<EngineImpl> impl_;
};

}  // namespace gh
