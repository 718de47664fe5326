// The native engine behind the Engine facade: the epoll loop and every socket
// around the core (core/gateway_core.h), which holds the logic. This class is
// the core's ClientIo; it feeds the core what the sockets bring and writes out
// what the core queued, corked: all output for one socket in one run()/flush()
// cycle leaves in one write at flush().
//
// Safe points: the core is told that a client's socket is gone (clientClosed)
// only outside any core call (reportClosed), and objects are freed only after
// the epoll batch that might still name them (reap).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/gateway_core.h"
#include "engine/client_conn.h"
#include "engine/engine.h"
#include "engine/link_conn.h"
#include "engine/poller.h"
#include "engine/sockets.h"
#include "engine/timer_wheel.h"
#include "transport/static_routes.h"

namespace gh {

class EngineImpl : public ClientIo {
 public:
  // Bytes read from one socket per run(): a busy socket cannot starve the others.
  static constexpr size_t kReadChunk = 64 * 1024;

  explicit EngineImpl(EngineOptions options);
  ~EngineImpl() override;

  bool start(BoundAddresses* out, std::string* error);
  int pollFd() const { return poller_.fd(); }
  void run();
  void flush();

  void stopAccepting();
  void setReadsHeld(bool held) { core_.setReadsHeld(held); }
  uint64_t heldEvents() const { return core_.heldEvents(); }
  size_t linkCount() const { return core_.linkCount(); }
  size_t connectionCount() const { return core_.connectionCount(); }
  size_t trackedCount() const { return core_.trackedCount(); }
  size_t closeClients(size_t max, const std::string& reason, uint16_t wsCode);
  void closeLinks(const std::string& reason);
  void destroyAll(const std::string& reason);
  EngineStatsSnapshot stats() const { return core_.stats(); }
  std::string connectionsJson(size_t limit, const std::string& listener) const {
    return core_.connectionsJson(limit, listener);
  }
  std::vector<ControlEvent> takeEvents() { return core_.takeEvents(); }
  void setProtocol2Handshake(GatewayCore::Protocol2Handshake derive) { core_.setProtocol2Handshake(std::move(derive)); }

  // ClientIo
  bool send(ClientRecord& client, std::string_view bytes) override;
  void close(ClientRecord& client, uint16_t wsCode, std::string_view reason) override;
  void destroy(ClientRecord& client) override;
  void setReadsPaused(bool paused) override;
  void resumeClient(ClientRecord& client) override;
  uint64_t queuedBytes(const ClientRecord& client) const override;

  // ---- for the pieces in client_input.cc, client_output.cc, link_io.cc, heartbeat.cc
  GatewayCore& core() { return core_; }
  const EngineOptions& options() const { return options_; }
  void onClientPoll(ClientConn* c, uint32_t events);
  void onLinkPoll(LinkConn* l, uint32_t events);
  void onListenPoll(ListenSocket* s);
  void heartbeatTick();

 private:
  friend struct ClientSink;
  // client_input.cc
  void acceptClient(uint16_t listener, int fd);
  void readClient(ClientConn* c);
  void feedStream(ClientConn* c, uint8_t* data, size_t size);
  void feedHttp(ClientConn* c, uint8_t* data, size_t size);
  bool upgrade(ClientConn* c, const HttpRequest& request);
  void clientEof(ClientConn* c);
  void clientError(ClientConn* c, int code);
  void timerExpired(ClientConn* c);  // HTTP idle timeout or close linger: destroy
  // client_output.cc
  void queue(ClientConn* c, std::string_view bytes);
  void wantFlush(ClientConn* c);  // on the flush list (output, or a FIN due)
  void flushClient(ClientConn* c, bool counted);
  void finishClose(ClientConn* c);  // output done: FIN where due
  void startLinger(ClientConn* c);
  void closeSocket(ClientConn* c);  // fd closed now; the core hears at the next safe point
  void updatePoll(ClientConn* c);
  void reportClosed();
  // link_io.cc
  void acceptLink(LinkTransport transport, int fd);
  void readLink(LinkConn* l);
  void flushLink(LinkConn* l);
  void checkLink(LinkConn* l);
  void closeLinkSocket(LinkConn* l, const std::string& reason);
  void updatePoll(LinkConn* l);
  // engine_impl.cc
  void reap();
  void closeListeners();
  void log(const char* level, std::string message, std::string fieldsJson = "{}");

  EngineOptions options_;
  GatewayCore core_;
  Poller poller_;
  TimerWheel wheel_;
  Acceptor acceptor_;
  bool started_ = false;
  bool linkFileCreated_ = false;

  std::vector<std::unique_ptr<ListenSocket>> listenSockets_;
  std::vector<std::unique_ptr<StaticRoutes>> routes_;  // by listener index (null: not websocket)
  ClientConn* clientsHead_ = nullptr;
  size_t clientSockets_ = 0;
  std::vector<ClientConn*> flushList_;
  std::vector<ClientConn*> closedList_;  // fd closed, the core not told yet
  std::vector<ClientConn*> graveyard_;
  std::vector<LinkConn*> links_;
  std::vector<LinkConn*> deadLinks_;

  TimerNode heartbeatTimer_;
  uint32_t heartbeatTickMs_ = 0;
  std::vector<std::string> pingBytes_;  // pingData encoded per listener ("" none)

  uint32_t readsThisRun_ = 0;
  bool inBatch_ = false;
  bool ioPaused_ = false;  // what the core last asked (new clients start paused)
  bool accepting_ = false;
  uint8_t readBuffer_[kReadChunk];
};

// "ECONNRESET" for an errno value (the code Node reports), "E<number>" when unknown.
std::string errnoName(int code);

}  // namespace gh
