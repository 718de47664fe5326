#include "core/gateway_core.h"

#include <chrono>

#include "core/client_session.h"
#include "core/command_executor.h"
#include "core/json_fields.h"
#include "transport/raw_handshake.h"  // normalizeAddress
#include "protocol/frame_encoder.h"
#include "core/query_handler.h"

namespace gh {

static std::vector<std::string> listenerNames(const std::vector<CoreListener>& listeners) {
  std::vector<std::string> names;
  for (const CoreListener& l : listeners) names.push_back(l.name);
  return names;
}

GatewayCore::GatewayCore(CoreOptions options, ClientIo* io)
    : options_(std::move(options)),
      io_(io),
      table_(options_.gatewayId),
      router_(options_.maxUnackedEvents, &counters_, static_cast<RouterHooks*>(this)),
      listenerCounters_(options_.listenerCounters, listenerNames(options_.listeners)) {
  linkConfig_.secret = options_.secret;
  linkConfig_.maxFrameSize = options_.maxLinkFrameSize;
  linkConfig_.handshakeTimeoutMs = options_.handshakeTimeoutMs;
  linkConfig_.outputLimit = options_.linkOutputLimit;
}

GatewayCore::~GatewayCore() = default;

int64_t GatewayCore::now() const {
  if (options_.clock) return options_.clock();
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void GatewayCore::setListenerPort(size_t index, int port) {
  if (index < options_.listeners.size()) options_.listeners[index].port = port;
}

// ---- clients

bool GatewayCore::admit(uint16_t listener) {
  if (!router_.overloaded()) return true;
  uint64_t refused = clientRefused(listener);
  if (refused % 1000 == 1) {
    LogFields f;
    f.w().unum("refused", refused);
    log("warn", "refusing new clients: the gateway holds too many unacknowledged events", f.done());
  }
  return false;
}

uint64_t GatewayCore::clientRefused(uint16_t listener) {
  listenerCounters_.bump(listener, "connectionsRefused");
  return ++counters_.connectionsRefused;
}

ClientRecord* GatewayCore::createClient(uint16_t listener, std::string_view remoteAddress, int remotePort,
                                        std::string_view localAddress, int localPort) {
  ClientRecord* c = table_.create();
  c->listener = listener;
  c->setRemoteAddress(normalizeAddress(remoteAddress));
  c->remotePort = static_cast<uint16_t>(remotePort);
  c->setLocalAddress(normalizeAddress(localAddress));
  c->localPort = static_cast<uint16_t>(localPort);
  int64_t t = now();
  c->connectedAt = c->lastMessageAt = c->lastPingAt = t;
  return c;
}

void GatewayCore::discardClient(ClientRecord* c) {
  router_.discard(*c);
  table_.forget(c);
}

void GatewayCore::clientOpened(ClientRecord* c) {
  counters_.connectionsAccepted++;
  table_.add(c);
  router_.emit(*c, EventKind::Connect, PayloadKind::Text, std::string());
}

void GatewayCore::clientWebSocketConnect(ClientRecord* c, std::string handshakeJson) {
  router_.emit(*c, EventKind::WebSocketConnect, PayloadKind::Text, std::move(handshakeJson));
}

void GatewayCore::clientMessage(ClientRecord* c, std::string payload, PayloadKind kind) {
  counters_.messagesIn++;
  c->lastMessageAt = now();
  router_.emit(*c, EventKind::Message, kind, std::move(payload));
}

void GatewayCore::noteCloseReason(ClientRecord* c, std::string_view reason) {
  if (c->closeReason().empty() && !reason.empty()) c->extrasForWrite().closeReason.assign(reason.data(), reason.size());
}

void GatewayCore::clientClosed(ClientRecord* c, std::string_view reason) {
  if (c->state == ClientState::Closed) return;
  c->state = ClientState::Closed;
  c->io = nullptr;
  if (!held_.empty()) held_.erase(c->number);  // broadcasts held for it can reach nobody now
  if (!reason.empty()) noteCloseReason(c, reason);
  table_.markClosed(c);
  std::string payload = c->closeReason().empty() ? std::string("client closed") : c->closeReason();
  router_.emit(*c, EventKind::Close, PayloadKind::Text, std::move(payload));
}

void GatewayCore::endClient(ClientRecord* c, std::string_view reason, uint16_t wsCode) {
  if (c->state != ClientState::Open) return;
  c->state = ClientState::Closing;
  noteCloseReason(c, reason);
  io_->close(*c, wsCode, reason);
}

void GatewayCore::destroyClient(ClientRecord* c, std::string_view reason) {
  if (c->state == ClientState::Closed) return;
  c->state = ClientState::Closing;
  noteCloseReason(c, reason);
  io_->destroy(*c);
}

bool GatewayCore::deliver(ClientRecord* c, OutgoingMessage& message) {
  const std::string* bytes = encodedFor(c, message);
  return bytes != nullptr && io_->send(*c, *bytes);
}

const std::string* GatewayCore::encodedFor(ClientRecord* c, OutgoingMessage& message) {
  if (c->state != ClientState::Open || c->listener >= options_.listeners.size()) return nullptr;
  const CoreListener& listener = options_.listeners[c->listener];
  bool refusedNow = false;
  std::string error;
  const std::string* bytes = message.bytesFor(c->listener, listener.encoding, &refusedNow, &error);
  if (bytes == nullptr) {
    if (refusedNow) {
      counters_.encodeErrors++;
      LogFields f;
      f.w().str("listener", listener.name).key("err");
      JsonObjectWriter err(f.w().out());
      err.str("type", "RangeError").str("message", error).end();
      log("warn", "a message could not be encoded for a listener; its clients do not get it", f.done());
    }
    return nullptr;
  }
  return bytes;
}

void GatewayCore::hold(ClientRecord* c, OutgoingMessage& message) {
  const std::string* bytes = encodedFor(c, message);
  if (bytes == nullptr) return;
  // Bounded like the socket's output, whatever the slow-consumer policy: the
  // client is not slow, its worker is.
  HeldOutput& held = held_[c->number];
  if (!held.messages.empty() && held.bytes + bytes->size() > options_.heldBytesLimit) {
    counters_.heldForConnectDrops++;
    return;
  }
  held.messages.push_back(*bytes);
  held.bytes += bytes->size();
  counters_.heldForConnect++;
}

// ---- links

WorkerLink* GatewayCore::linkAccepted(LinkTransport transport) {
  std::vector<HelloListener> listeners;
  for (const CoreListener& l : options_.listeners)
    listeners.push_back(HelloListener{l.name, listenerProtocolName(l.protocol), l.host, l.port});
  std::string hello;
  appendHelloJson(hello, options_.gatewayId, options_.pid, listeners);
  linkConfig_.helloJson = std::move(hello);
  LinkHandlers* handlers = this;
  links_.push_back(std::make_unique<WorkerLink>(++nextLinkId_, transport, linkConfig_, handlers, now()));
  return links_.back().get();
}

void GatewayCore::linkSocketClosed(WorkerLink* link, const std::string& reason) {
  link->socketGone(reason);
  for (size_t i = 0; i < links_.size(); i++) {
    if (links_[i].get() == link) {
      links_.erase(links_.begin() + static_cast<long>(i));
      return;
    }
  }
}

void GatewayCore::linkOutputFlushed(WorkerLink* link) {
  if (link->state() == LinkState::Open && !link->outputBlocked) router_.outputDrained(*link);
}

void GatewayCore::tick() {
  int64_t t = now();
  for (size_t i = 0; i < links_.size(); i++) links_[i]->tick(t);
}

std::vector<WorkerLink*> GatewayCore::allLinks() const {
  std::vector<WorkerLink*> out;
  for (const auto& l : links_) out.push_back(l.get());
  return out;
}

void GatewayCore::linkOpened(WorkerLink& link) {
  router_.linkOpened(link);
  LogFields f;
  f.w().unum("linkId", link.id()).str("workerId", link.workerId()).num("workerPid", link.workerPid());
  // The version says which workers still speak the older protocol during a rolling upgrade.
  f.w().str("transport", link.transportName()).unum("protocolVersion", link.protocolVersion());
  log("info", "worker link open", f.done());
  ControlEvent e{};
  e.type = ControlEvent::Type::LinkOpen;
  e.linkId = link.id();
  e.workerId = link.workerId();
  e.pid = link.workerPid();
  e.transport = link.transportName();
  events_.push_back(std::move(e));
}

void GatewayCore::linkAck(WorkerLink& link, const uint32_t* seqs, size_t count) { router_.ack(link, seqs, count); }

void GatewayCore::linkCredit(WorkerLink& link, uint32_t credits) { router_.credit(link, credits); }

void GatewayCore::linkDrain(WorkerLink& link) {
  LogFields f;
  f.w().unum("linkId", link.id()).str("workerId", link.workerId());
  log("info", "worker link draining", f.done());
  router_.drain(link);
}

bool GatewayCore::linkCommand(WorkerLink& link, std::string_view body, std::string* error) {
  return executeCommand(*this, link, body, error);
}

bool GatewayCore::linkQuery(WorkerLink&, std::string_view body, std::string& out, std::string* error) {
  return answerQuery(*this, body, out, error);
}

void GatewayCore::linkOutputBlocked(WorkerLink&) { counters_.linkOutputStalls++; }

void GatewayCore::linkOutputDrained(WorkerLink& link) { router_.outputDrained(link); }

void GatewayCore::linkClosedByProtocol(WorkerLink& link, const std::string& reason, bool wasOpen, bool protocolError) {
  if (protocolError) counters_.linkErrors++;
  if (!wasOpen) return;
  uint64_t redelivered = router_.linkClosed(link);
  LogFields f;
  f.w().unum("linkId", link.id()).str("workerId", link.workerId()).str("reason", reason).unum("redelivered", redelivered);
  log("info", "worker link closed", f.done());
  ControlEvent e{};
  e.type = ControlEvent::Type::LinkClose;
  e.linkId = link.id();
  e.workerId = link.workerId();
  e.reason = reason;
  e.redelivered = redelivered;
  events_.push_back(std::move(e));
}

void GatewayCore::linkLog(const char* level, std::string message, std::string fieldsJson) {
  log(level, std::move(message), std::move(fieldsJson));
}

// ---- router hooks

void GatewayCore::routerReadsPaused(bool paused) {
  if (readsHeld_) return;
  uint64_t held = router_.held();
  LogFields f;
  f.w().unum("heldEvents", held).unum("limit", options_.maxUnackedEvents);
  log("warn", paused ? "pausing client reads: too many events held" : "resuming client reads", f.done());
  applyReadsPaused(paused);
  ControlEvent e{};
  e.type = paused ? ControlEvent::Type::ReadsPaused : ControlEvent::Type::ReadsResumed;
  e.heldEvents = held;
  events_.push_back(std::move(e));
}

void GatewayCore::routerClientDone(ClientRecord& c) { table_.forget(&c); }

void GatewayCore::routerAppendEvent(WorkerLink& link, PendingEvent& ev) {
  ClientRecord& c = *ev.client;
  std::string info;
  bool withInfo = c.knownLinkId != link.id();
  if (withInfo) appendInfoJson(info, c);
  EventSessionFields s = sessionForEvent(c, link.id());
  uint8_t id[12];
  clientIdBytes(options_.gatewayId, c.number, id);
  std::string_view sessionView(c.session());
  std::string_view infoView(info);
  uint8_t flags = static_cast<uint8_t>((ev.redelivery ? kEventRedelivery : 0) | (s.includeSession ? kEventSession : 0) |
                                       (withInfo ? kEventInfo : 0) |
                                       (static_cast<uint8_t>(ev.payloadKind) << kPayloadKindShift));
  std::string_view payload(ev.payload);
  // A version-2 worker (a rolling upgrade) gets the handshake derived; the event keeps the raw head for a redelivery.
  std::string derived;
  if (ev.kind == EventKind::WebSocketConnect && link.protocolVersion() < 3) {
    if (protocol2Handshake_ && protocol2Handshake_(ev.payload, &derived)) {
      payload = derived;
    } else {
      LogFields f;
      f.w().str("clientId", table_.idOf(c)).unum("linkId", link.id());
      log("error", "could not derive the handshake for a version-2 worker; its websocket-connect goes raw", f.done());
    }
  }
  appendEventFrame(link.outputBuffer(), ev.seq, static_cast<uint8_t>(ev.kind), flags, id, s.sessionVersion,
                   s.patchAck, sessionView, infoView, payload);
  link.wrote();
}

void GatewayCore::routerGaveUp(const ClientRecord& c, const PendingEvent& ev, const WorkerLink& link) {
  LogFields f;
  f.w().str("clientId", table_.idOf(c)).str("eventId", options_.gatewayId + "-" + std::to_string(ev.seq));
  f.w().unum("seq", ev.seq).unum("kind", static_cast<unsigned>(ev.kind)).unum("linkId", link.id());
  log("error", "giving up an event: the second link it was delivered to closed before acknowledging it", f.done());
}

void GatewayCore::routerMoved(ClientRecord& c, WorkerLink& link) {
  // Should the client come back to this link, its first event carries session and info again.
  forgetLink(c, link.id());
  if (link.state() != LinkState::Open) return;
  // Forget: u32 n = 1 ‖ clientId[12].
  uint8_t frame[4 + 1 + 4 + 12] = {0, 0, 0, 17, kFrameForget, 0, 0, 0, 1};
  clientIdBytes(options_.gatewayId, c.number, frame + 9);
  link.write(std::string_view(reinterpret_cast<const char*>(frame), sizeof frame));
}

void GatewayCore::routerOpened(ClientRecord& c) {
  if (held_.empty()) return;
  auto it = held_.find(c.number);
  if (it == held_.end()) return;
  // Out of the table before writing: a send may close the client, which erases by number.
  HeldOutput held = std::move(it->second);
  held_.erase(it);
  for (const std::string& bytes : held.messages) {
    if (c.state != ClientState::Open) return;  // a slow-consumer 'close' may end it midway
    io_->send(c, bytes);
  }
}

void GatewayCore::routerDrained(const WorkerLink& link) {
  LogFields f;
  f.w().unum("linkId", link.id()).str("workerId", link.workerId());
  log("info", "worker link drained", f.done());
}

// ---- load and stopping

void GatewayCore::applyReadsPaused(bool paused) {
  if (paused == ioPaused_) return;
  ioPaused_ = paused;
  io_->setReadsPaused(paused);
  if (!paused) {
    // Paused clients could not be heard: do not let the heartbeat hold that against them.
    int64_t t = now();
    for (ClientRecord* c = table_.online().front(); c != nullptr; c = OnlineList::nextOf(c)) c->lastMessageAt = t;
  }
}

void GatewayCore::setReadsHeld(bool held) {
  readsHeld_ = held;
  applyReadsPaused(held || router_.readsPaused());
}

size_t GatewayCore::closeClients(size_t max, std::string_view reason, uint16_t wsCode) {
  std::vector<ClientRecord*> batch;
  for (ClientRecord* c = table_.online().front(); c != nullptr && batch.size() < max; c = OnlineList::nextOf(c))
    if (c->state == ClientState::Open) batch.push_back(c);
  for (ClientRecord* c : batch) endClient(c, reason, wsCode);
  // Read every closing client (these and those closing already), or their FIN is never seen.
  for (ClientRecord* c = table_.online().front(); c != nullptr; c = OnlineList::nextOf(c))
    if (c->state == ClientState::Closing) io_->resumeClient(*c);
  size_t open = 0;
  for (ClientRecord* c = table_.online().front(); c != nullptr; c = OnlineList::nextOf(c))
    if (c->state == ClientState::Open) open++;
  return open;
}

void GatewayCore::closeLinks(const std::string& reason) {
  for (WorkerLink* link : allLinks()) link->close(reason);
}

void GatewayCore::destroyAll(std::string_view reason) {
  std::vector<ClientRecord*> all;
  for (ClientRecord* c = table_.online().front(); c != nullptr; c = OnlineList::nextOf(c)) all.push_back(c);
  for (ClientRecord* c : all) destroyClient(c, reason);
}

std::vector<ControlEvent> GatewayCore::takeEvents() {
  std::vector<ControlEvent> out;
  out.swap(events_);
  return out;
}

void GatewayCore::log(const char* level, std::string message, std::string fieldsJson) {
  // Bounded: when nobody takes events, log records are dropped (link and read events stay: they are few).
  if (events_.size() >= kMaxQueuedEvents) {
    droppedLogs_++;
    return;
  }
  ControlEvent e{};
  e.type = ControlEvent::Type::Log;
  e.level = level;
  e.message = std::move(message);
  e.fieldsJson = std::move(fieldsJson);
  events_.push_back(std::move(e));
}

}  // namespace gh
