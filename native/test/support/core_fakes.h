// Test doubles for driving GatewayCore without sockets: a ClientIo that records
// what the core asks of client sockets, and a worker that speaks the link
// protocol through the link module's encoders. Header-only, used by
// native/test/core_*_test.cc and native/fuzz/fuzz_core_*.cc.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/gateway_core.h"
#include "json/json_value.h"
#include "protocol/client_id.h"
#include "protocol/frame_encoder.h"
#include "protocol/handshake.h"
#include "util/bytes.h"
#include "command_heads.h"
#include "util/random.h"

namespace gh {
namespace testing {

struct FakeIo : ClientIo {
  struct Sent {
    uint64_t number;
    std::string bytes;
  };
  struct Closed {
    uint64_t number;
    uint16_t wsCode;
  };
  GatewayCore* core = nullptr;
  std::vector<Sent> sent;
  std::vector<Closed> closed;
  std::vector<uint64_t> destroyed;
  std::vector<uint64_t> resumed;
  std::vector<bool> pauseCalls;
  bool paused = false;
  bool refuse = false;  // send() returns false (a dropped message)

  bool send(ClientRecord& c, std::string_view bytes) override {
    if (refuse) return false;
    sent.push_back(Sent{c.number, std::string(bytes)});
    c.bytesOut += bytes.size();
    return true;
  }
  void close(ClientRecord& c, uint16_t wsCode, std::string_view) override { closed.push_back(Closed{c.number, wsCode}); }
  void destroy(ClientRecord& c) override { destroyed.push_back(c.number); }
  void setReadsPaused(bool p) override {
    paused = p;
    pauseCalls.push_back(p);
  }
  void resumeClient(ClientRecord& c) override { resumed.push_back(c.number); }
  uint64_t queuedBytes(const ClientRecord&) const override { return 7; }

  std::vector<std::string> sentTo(uint64_t number) const {
    std::vector<std::string> out;
    for (const Sent& s : sent)
      if (s.number == number) out.push_back(s.bytes);
    return out;
  }
};

struct Frame {
  uint8_t type = 0;
  std::string body;
};

struct Event {
  uint32_t seq = 0;
  uint8_t kind = 0;
  uint8_t flags = 0;
  std::string clientId;  // 24 hex
  uint32_t sessionVersion = 0;
  uint32_t patchAck = 0;
  bool hasSession = false, hasInfo = false;
  std::string session, info, payload;
  bool redelivery() const { return (flags & 0x04) != 0; }
  uint8_t payloadKind() const { return static_cast<uint8_t>((flags >> 4) & 3); }
};

// The seqs of some events, in order (for comparing routing outcomes).
inline std::vector<uint32_t> seqsOf(const std::vector<Event>& events) {
  std::vector<uint32_t> out;
  for (const Event& e : events) out.push_back(e.seq);
  return out;
}

inline std::vector<Frame> splitFrames(std::string_view bytes) {
  std::vector<Frame> out;
  size_t o = 0;
  while (bytes.size() - o >= 5) {
    uint32_t length = getU32BE(reinterpret_cast<const uint8_t*>(bytes.data()) + o);
    if (length < 1 || bytes.size() - o - 4 < length) break;
    out.push_back(Frame{static_cast<uint8_t>(bytes[o + 4]), std::string(bytes.substr(o + 5, length - 1))});
    o += 4 + length;
  }
  return out;
}

inline bool decodeEvent(const std::string& b, Event* e) {
  if (b.size() < 26) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(b.data());
  e->seq = getU32BE(p);
  e->kind = p[4];
  e->flags = p[5];
  static const char hex[] = "0123456789abcdef";
  e->clientId.clear();
  for (int i = 0; i < 12; i++) {
    e->clientId.push_back(hex[p[6 + i] >> 4]);
    e->clientId.push_back(hex[p[6 + i] & 15]);
  }
  e->sessionVersion = getU32BE(p + 18);
  e->patchAck = getU32BE(p + 22);
  size_t o = 26;
  auto section = [&](std::string* out) {
    if (b.size() - o < 4) return false;
    uint32_t n = getU32BE(p + o);
    if (b.size() - o - 4 < n) return false;
    out->assign(b, o + 4, n);
    o += 4 + n;
    return true;
  };
  e->hasSession = (e->flags & 0x01) != 0;
  e->hasInfo = (e->flags & 0x02) != 0;
  if (e->hasSession && !section(&e->session)) return false;
  if (e->hasInfo && !section(&e->info)) return false;
  e->payload = b.substr(o);
  return true;
}

// One worker process's end of one link.
struct FakeWorker {
  GatewayCore& core;
  WorkerLink* link;
  std::vector<Frame> frames;  // everything the gateway sent, in order
  size_t eventsRead = 0;
  // The version written in Auth by handshake() (commands are laid out the same
  // in every version accepted).
  uint16_t version = kProtocolVersion;

  explicit FakeWorker(GatewayCore& c, LinkTransport t = LinkTransport::Unix) : core(c), link(c.linkAccepted(t)) { pull(); }

  void pull() {
    if (link == nullptr) return;
    std::string_view out = link->pendingOutput();
    for (Frame& f : splitFrames(out)) frames.push_back(std::move(f));
    link->outputWritten(out.size());
  }

  void feed(const std::string& bytes) {
    link->onBytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    pull();
  }

  std::string helloNonce() const {
    for (const Frame& f : frames) {
      if (f.type != kFrameHello) continue;
      std::string_view nonce;
      JsonValue info;
      std::string error;
      if (parseHello(f.body, &nonce, &info, &error)) return std::string(nonce);
    }
    return std::string();
  }

  std::string authFrame(const std::string& secret, const std::string& workerId = "w1", int pid = 4242,
                        uint16_t version = kProtocolVersion) const {
    std::string gn = helloNonce();
    uint8_t wn[kNonceSize];
    randomBytes(wn, sizeof wn);
    uint8_t mac[kMacSize];
    workerProof(secret, reinterpret_cast<const uint8_t*>(gn.data()), wn, mac);
    std::string json = "{\"workerId\":\"" + workerId + "\",\"pid\":" + std::to_string(pid) + "}";
    std::string out;
    appendAuthFrame(out, wn, mac, json, version);
    return out;
  }

  void handshake(uint32_t credits = 0, const std::string& secret = "", const std::string& workerId = "w1") {
    feed(authFrame(secret, workerId, 4242, version));
    if (credits > 0) credit(credits);
  }

  void credit(uint32_t n) {
    std::string f;
    appendCreditFrame(f, n);
    feed(f);
  }

  void ack(const std::vector<uint32_t>& seqs) {
    std::string f;
    appendAckFrame(f, seqs);
    feed(f);
  }

  void ackAll() {
    std::vector<uint32_t> seqs;
    for (const Event& e : newEvents()) seqs.push_back(e.seq);
    ack(seqs);
  }

  void drain() {
    std::string f;
    appendDrainFrame(f);
    feed(f);
  }

  // A command given with its arguments as a JSON head (command_heads.h).
  void command(uint8_t op, const std::string& head, const std::string& data = "", uint8_t flags = 0) {
    std::string f;
    appendFrame(f, kFrameCommand, commandBody(op, flags, head, data));
    feed(f);
  }

  // The Reply's status and JSON, or status 255 when none came.
  std::pair<uint8_t, std::string> query(const std::string& op, const std::string& args, uint32_t id = 7) {
    std::string json = "{\"op\":\"" + op + "\",\"args\":" + args + "}";
    std::string f;
    appendQueryFrame(f, id, json);
    size_t before = frames.size();
    feed(f);
    for (size_t i = before; i < frames.size(); i++) {
      if (frames[i].type == kFrameReply && frames[i].body.size() >= 5)
        return {static_cast<uint8_t>(frames[i].body[4]), frames[i].body.substr(5)};
    }
    return {255, ""};
  }

  std::vector<Event> events() {
    pull();
    std::vector<Event> out;
    for (const Frame& f : frames) {
      Event e;
      if (f.type == kFrameEvent && decodeEvent(f.body, &e)) out.push_back(e);
    }
    return out;
  }

  // Events not returned by an earlier call.
  std::vector<Event> newEvents() {
    std::vector<Event> all = events();
    std::vector<Event> out(all.begin() + static_cast<long>(std::min(eventsRead, all.size())), all.end());
    eventsRead = all.size();
    return out;
  }

  size_t count(uint8_t type) {
    pull();
    size_t n = 0;
    for (const Frame& f : frames) n += f.type == type;
    return n;
  }

  const Frame* last(uint8_t type) const {
    for (size_t i = frames.size(); i-- > 0;)
      if (frames[i].type == type) return &frames[i];
    return nullptr;
  }
};

// A core with one listener of each protocol (0 text, 1 json, 2 frame (2-byte header), 3 websocket), a fake clock.
struct Rig {
  int64_t clock = 1700000000000;
  FakeIo io;
  GatewayCore core;

  static CoreOptions options(uint32_t maxUnacked, uint64_t outputLimit) {
    CoreOptions o;
    o.gatewayId = "0123456789ab";
    o.pid = 99;
    const char* names[] = {"tcp", "json", "bin", "ws"};
    ListenerProtocol protos[] = {ListenerProtocol::Text, ListenerProtocol::Json, ListenerProtocol::Frame,
                                 ListenerProtocol::WebSocket};
    for (int i = 0; i < 4; i++) {
      CoreListener l;
      l.name = names[i];
      l.protocol = protos[i];
      l.host = "127.0.0.1";
      l.port = 7000 + i;
      l.encoding.protocol = protos[i];
      if (i == 2) l.encoding.frame.headerSize = 2;
      o.listeners.push_back(l);
    }
    o.maxUnackedEvents = maxUnacked;
    o.linkOutputLimit = outputLimit;
    o.handshakeTimeoutMs = 5000;
    return o;
  }

  explicit Rig(uint32_t maxUnacked = 65536, uint64_t outputLimit = 4 * 1024 * 1024, std::string secret = "")
      : core(withClock(options(maxUnacked, outputLimit), std::move(secret)), &io) {
    io.core = &core;
  }

  CoreOptions withClock(CoreOptions o, std::string secret) {
    o.clock = [this] { return clock; };
    o.secret = std::move(secret);
    return o;
  }

  ClientRecord* connect(uint16_t listener = 0, const char* address = "10.0.0.1", int port = 5555) {
    ClientRecord* c = core.createClient(listener, address, port, "127.0.0.1", 7000 + listener);
    core.clientOpened(c);
    return c;
  }

  std::string id(const ClientRecord* c) const { return clientIdOf("0123456789ab", c->number); }
  std::string id(uint64_t number) const { return clientIdOf("0123456789ab", number); }

  void message(ClientRecord* c, const std::string& text) { core.clientMessage(c, text, PayloadKind::Text); }

  std::vector<ControlEvent> logs(const std::string& level) {
    std::vector<ControlEvent> out;
    for (ControlEvent& e : core.takeEvents())
      if (e.type == ControlEvent::Type::Log && e.level == level) out.push_back(std::move(e));
    return out;
  }
};

}  // namespace testing
}  // namespace gh
