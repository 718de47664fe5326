// The gateway engine's logic without sockets: the connection table, the event
// router, the worker links, commands and queries, counters, control events. The
// I/O layer (the engine folder) owns every fd, framer, output buffer and timer,
// calls the methods below as things happen, and is reached back through ClientIo
// (clients) and each WorkerLink's output (links). Single-threaded; nothing here
// blocks or throws.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/client_io.h"
#include "core/client_record.h"
#include "core/connection_table.h"
#include "core/counters.h"
#include "core/event_router.h"
#include "core/held_output.h"
#include "core/outgoing_message.h"
#include "core/worker_link.h"
#include "core/control_event.h"
#include "core/engine_stats.h"
#include "core/listener_counters.h"
#include "core/listener_protocol.h"
#include "transport/websocket_frame.h"  // kWsNormalClosure, kWsGoingAway

namespace gh {

struct CoreListener {
  std::string name;
  ListenerProtocol protocol = ListenerProtocol::Text;
  std::string host;
  int port = 0;  // the bound port (setListenerPort once known)
  ListenerEncoding encoding;
};

struct CoreOptions {
  std::string gatewayId;  // 12 lowercase hex characters
  int pid = 0;
  std::vector<CoreListener> listeners;
  std::string secret;
  uint32_t maxUnackedEvents = 65536;
  uint64_t heldBytesLimit = 1024 * 1024;  // broadcasts held for one opening client (sendBufferSize)
  uint64_t linkOutputLimit = 4 * 1024 * 1024;
  uint32_t handshakeTimeoutMs = 5000;
  uint32_t maxLinkFrameSize = 16 * 1024 * 1024;
  std::vector<std::string> listenerCounters;  // the names counted per listener (listener_counters.h)
  // ms since the epoch (connectedAt, lastMessageAt, handshake deadlines); tests pass a fake clock.
  std::function<int64_t()> clock;  // empty: the system clock
};

class GatewayCore : private LinkHandlers, private RouterHooks {
 public:
  GatewayCore(CoreOptions options, ClientIo* io);
  ~GatewayCore();  // frees every record and link (no events or callbacks)
  GatewayCore(const GatewayCore&) = delete;
  GatewayCore& operator=(const GatewayCore&) = delete;

  Counters& counters() { return counters_; }
  const Counters& counters() const { return counters_; }
  ListenerCounters& listenerCounters() { return listenerCounters_; }
  const CoreOptions& options() const { return options_; }
  const ConnectionTable& table() const { return table_; }
  const EventRouter& router() const { return router_; }
  int64_t now() const;
  void setListenerPort(size_t index, int port);  // before any link is accepted (Hello lists it)
  // Protocol 2's websocket-connect payload (the handshake derived) of a raw
  // one, for version-2 workers during a rolling upgrade: the derivation is
  // TypeScript's (src/protocol/websocket-handshake.ts), the addon passes it in.
  // False when it could not; the event then goes with the raw payload, logged.
  using Protocol2Handshake = std::function<bool(std::string_view raw, std::string* derived)>;
  void setProtocol2Handshake(Protocol2Handshake derive) { protocol2Handshake_ = std::move(derive); }

  // ---- clients (the I/O layer calls these)
  // Whether a new client of `listener` may come in now (held events under
  // 2 × maxUnackedEvents); counts a refusal (and logs every 1000th) when not.
  bool admit(uint16_t listener);
  // A client of `listener` accepted and closed at once (admit() said no, or the
  // process is out of file descriptors): every refusal counter; returns the
  // gateway's total, for the caller's log line.
  uint64_t clientRefused(uint16_t listener);
  // A record for a new connection (number drawn, not yet in the table). The I/O
  // layer sets record->io, then calls clientOpened; or discardClient if it gives up.
  ClientRecord* createClient(uint16_t listener, std::string_view remoteAddress, int remotePort,
                             std::string_view localAddress, int localPort);
  void discardClient(ClientRecord* client);
  // In the table, connect event queued; reads start paused when they are (the
  // I/O layer applies setReadsPaused to new clients itself).
  void clientOpened(ClientRecord* client);
  // WebSocket: the websocket-connect event with the handshake JSON, after clientOpened.
  void clientWebSocketConnect(ClientRecord* client, std::string handshakeJson);
  // One framed message (messagesIn, lastMessageAt, message event).
  void clientMessage(ClientRecord* client, std::string payload, PayloadKind kind);
  // Records a reason for the coming close unless one is set ("connection error: ECONNRESET", …).
  void noteCloseReason(ClientRecord* client, std::string_view reason);
  // The socket is gone: out of the table and indexes, close event queued with
  // closeReason (else `reason`, else "client closed"). The I/O layer must not use
  // the pointer afterwards (the core frees it once the close event is acked).
  void clientClosed(ClientRecord* client, std::string_view reason = {});
  // Graceful close (queued output, then FIN / WebSocket close wsCode): Open only.
  void endClient(ClientRecord* client, std::string_view reason, uint16_t wsCode = kWsNormalClosure);
  // Destroy at once: anything not Closed.
  void destroyClient(ClientRecord* client, std::string_view reason);

  // ---- links
  // A new link socket: the link (owned by the core) with Hello queued in its output.
  WorkerLink* linkAccepted(LinkTransport transport);
  // The link's socket is gone (peer closed, error, or after the close the core
  // requested): the link closes if it was not closed yet, with `reason` ("the
  // worker closed the link", "socket error: EPIPE"), and is freed: the pointer is
  // invalid after this call.
  void linkSocketClosed(WorkerLink* link, const std::string& reason);
  // The I/O layer wrote link output (after WorkerLink::outputWritten, which already
  // reports a blocked link drained): serves the link's waiting clients if it can send.
  void linkOutputFlushed(WorkerLink* link);
  // Handshake deadlines.
  void tick();
  std::vector<WorkerLink*> allLinks() const;  // every link not yet freed

  // ---- load and stopping
  bool readsPaused() const { return router_.readsPaused() || readsHeld_; }
  bool overloaded() const { return router_.overloaded(); }
  uint64_t heldEvents() const { return router_.held(); }
  size_t linkCount() const { return router_.links().size(); }
  size_t connectionCount() const { return table_.size(); }
  size_t trackedCount() const { return table_.trackedCount(); }
  size_t heldClientCount() const { return held_.size(); }  // opening clients with broadcasts held for them
  // Held: no reading from clients whatever the held-events count.
  void setReadsHeld(bool held);
  // Gracefully closes up to `max` open clients (in connection order) and resumes
  // reading them; returns how many open clients remain.
  size_t closeClients(size_t max, std::string_view reason, uint16_t wsCode);
  void closeLinks(const std::string& reason);
  void destroyAll(std::string_view reason);

  // ---- reporting
  EngineStatsSnapshot stats() const;  // `writes` is counters().writes, bumped by the I/O layer
  std::string statsJson() const;      // the stats query's result: EngineStats key order, gatewayId first
  // ConnectionRow[] as JSON; limit 0: all; listener "": any.
  std::string connectionsJson(size_t limit, std::string_view listener) const;
  // Link open/close, reads paused/resumed, log records — in order. At most
  // kMaxQueuedEvents log records wait; more are dropped (droppedLogs()).
  static constexpr size_t kMaxQueuedEvents = 65536;
  std::vector<ControlEvent> takeEvents();
  uint64_t droppedLogs() const { return droppedLogs_; }
  void log(const char* level, std::string message, std::string fieldsJson);

  // ---- for commands and queries (command_executor.cc, query_handler.cc)
  ConnectionTable& mutableTable() { return table_; }
  ClientIo* io() { return io_; }
  // Encodes for the client's listener (once per message) and sends; false when not written.
  bool deliver(ClientRecord* client, OutgoingMessage& message);
  // A sendToAll for a client whose opening events are unacked: encoded and held
  // (bounded by heldBytesLimit, counted), written when they are acked.
  void hold(ClientRecord* client, OutgoingMessage& message);

 private:
  // LinkHandlers
  void linkOpened(WorkerLink& link) override;
  void linkAck(WorkerLink& link, const uint32_t* seqs, size_t count) override;
  void linkCredit(WorkerLink& link, uint32_t credits) override;
  void linkDrain(WorkerLink& link) override;
  bool linkCommand(WorkerLink& link, std::string_view body, std::string* error) override;
  bool linkQuery(WorkerLink& link, std::string_view body, std::string& out, std::string* error) override;
  void linkOutputBlocked(WorkerLink& link) override;
  void linkOutputDrained(WorkerLink& link) override;
  void linkClosedByProtocol(WorkerLink& link, const std::string& reason, bool wasOpen, bool protocolError) override;
  void linkLog(const char* level, std::string message, std::string fieldsJson) override;
  // RouterHooks
  void routerReadsPaused(bool paused) override;
  void routerClientDone(ClientRecord& client) override;
  void routerAppendEvent(WorkerLink& link, PendingEvent& ev) override;
  void routerGaveUp(const ClientRecord& client, const PendingEvent& ev, const WorkerLink& link) override;
  void routerDrained(const WorkerLink& link) override;
  void routerMoved(ClientRecord& c, WorkerLink& link) override;
  void routerOpened(ClientRecord& client) override;

  void applyReadsPaused(bool paused);
  // The message's bytes for the client's listener (encoded once per listener), or
  // nullptr: not Open, or refused (counted and logged once per message).
  const std::string* encodedFor(ClientRecord* client, OutgoingMessage& message);
  void appendInfoJson(std::string& out, const ClientRecord& c) const;

  CoreOptions options_;
  ClientIo* io_;
  Counters counters_;
  ConnectionTable table_;
  EventRouter router_;
  ListenerCounters listenerCounters_;
  LinkConfig linkConfig_;
  Protocol2Handshake protocol2Handshake_;
  uint32_t nextLinkId_ = 0;
  std::vector<std::unique_ptr<WorkerLink>> links_;  // every link not yet freed
  std::vector<ControlEvent> events_;
  // Broadcasts held for opening clients, by connection number (see hold()).
  // Empty but for the moments a sendToAll meets clients whose onConnect has
  // not run, e.g. during a connect storm.
  std::unordered_map<uint64_t, HeldOutput> held_;
  bool readsHeld_ = false;
  bool ioPaused_ = false;  // what the I/O layer was last told
  uint64_t droppedLogs_ = 0;
};

}  // namespace gh
