// WorkerLink through GatewayCore: the handshake (HMAC both ways, versions,
// timeout), frames allowed per state, malformed frames closing the link only.
#include "support/core_fakes.h"
#include "harness.h"

using namespace gh;
using namespace gh::testing;

namespace {
size_t countType(const std::vector<ControlEvent>& events, ControlEvent::Type t) {
  size_t n = 0;
  for (const ControlEvent& e : events) n += e.type == t;
  return n;
}

std::string rejectReason(const FakeWorker& w) {
  const Frame* f = w.last(kFrameReject);
  return f != nullptr ? f->body : std::string("<none>");
}
}  // namespace

TEST(hello_is_sent_at_accept) {
  Rig rig;
  FakeWorker w(rig.core);
  CHECK_EQ(w.frames.size(), size_t(1));
  CHECK_EQ(w.frames[0].type, uint8_t(kFrameHello));
  std::string_view nonce;
  JsonValue info;
  std::string error;
  CHECK(parseHello(w.frames[0].body, &nonce, &info, &error));
  std::string json;
  serializeJson(info, json);
  CHECK_EQ(json, std::string("{\"gatewayId\":\"0123456789ab\",\"pid\":99,\"protocolVersion\":3,\"listeners\":[{\"name\":\"tcp\",\"protocol\":\"text\","
                             "\"host\":\"127.0.0.1\",\"port\":7000},{\"name\":\"json\",\"protocol\":\"json\",\"host\":"
                             "\"127.0.0.1\",\"port\":7001},{\"name\":\"bin\",\"protocol\":\"frame\",\"host\":\"127.0.0.1\","
                             "\"port\":7002},{\"name\":\"ws\",\"protocol\":\"websocket\",\"host\":\"127.0.0.1\",\"port\":7003}]}"));
  CHECK(w.link->state() == LinkState::Handshake);
}

TEST(good_handshake_with_secret_opens_the_link) {
  Rig rig(65536, 4 << 20, "s3cret");
  FakeWorker w(rig.core);
  std::string gn = w.helloNonce();
  uint8_t wn[kNonceSize];
  randomBytes(wn, sizeof wn);
  uint8_t mac[kMacSize];
  workerProof("s3cret", reinterpret_cast<const uint8_t*>(gn.data()), wn, mac);
  std::string auth;
  appendAuthFrame(auth, wn, mac, "{\"workerId\":\"wk\",\"pid\":321}");
  w.feed(auth);
  CHECK(w.link->state() == LinkState::Open);
  CHECK_EQ(w.link->workerId(), std::string("wk"));
  CHECK_EQ(w.link->workerPid(), 321);
  const Frame* welcome = w.last(kFrameWelcome);
  CHECK(welcome != nullptr);
  if (welcome != nullptr) {
    std::string_view gmac;
    JsonValue info;
    std::string error;
    CHECK(parseWelcome(welcome->body, &gmac, &info, &error));
    uint8_t expected[kMacSize];
    gatewayProof("s3cret", reinterpret_cast<const uint8_t*>(gn.data()), wn, expected);
    CHECK(std::string(gmac) == std::string(reinterpret_cast<const char*>(expected), kMacSize));
    std::string json;
    serializeJson(info, json);
    CHECK_EQ(json, std::string("{\"linkId\":1,\"maxFrameSize\":16777216}"));
  }
  std::vector<ControlEvent> ev = rig.core.takeEvents();
  bool open = false;
  for (const ControlEvent& e : ev) {
    if (e.type != ControlEvent::Type::LinkOpen) continue;
    open = true;
    CHECK_EQ(e.linkId, uint32_t(1));
    CHECK_EQ(e.workerId, std::string("wk"));
    CHECK_EQ(e.pid, 321);
    CHECK_EQ(e.transport, std::string("unix"));
  }
  CHECK(open);
  CHECK_EQ(rig.core.linkCount(), size_t(1));
}

TEST(bad_hmac_is_rejected) {
  Rig rig(65536, 4 << 20, "right");
  FakeWorker w(rig.core);
  w.feed(w.authFrame("wrong"));
  CHECK(w.link->state() == LinkState::Closed);
  CHECK_EQ(rejectReason(w), std::string("authentication failed"));
  CHECK(w.link->closeMode() == LinkCloseMode::AfterOutput);
  CHECK_EQ(w.link->closeReason(), std::string("authentication failed"));
  CHECK_EQ(rig.core.counters().linkErrors, uint64_t(1));
  CHECK_EQ(rig.core.linkCount(), size_t(0));
  std::vector<ControlEvent> ev = rig.core.takeEvents();
  CHECK_EQ(countType(ev, ControlEvent::Type::LinkOpen), size_t(0));
  CHECK_EQ(countType(ev, ControlEvent::Type::LinkClose), size_t(0));  // never open: no link-close (as the JS engine)
  rig.core.linkSocketClosed(w.link, "closed");
  CHECK_EQ(rig.core.allLinks().size(), size_t(0));
}

TEST(versions_outside_2_to_3_are_rejected_naming_both) {
  for (uint16_t v : {uint16_t(1), uint16_t(0), uint16_t(4)}) {
    Rig rig;
    FakeWorker w(rig.core);
    w.feed(w.authFrame("", "w1", 1, v));
    CHECK_EQ(rejectReason(w), "auth: protocol version " + std::to_string(v) + " is not supported (this side speaks 2 and 3)");
    CHECK(w.link->state() == LinkState::Closed);
  }
}

TEST(hello_announces_oldest_and_newest_and_both_are_accepted) {
  for (uint16_t v : {uint16_t(2), uint16_t(3)}) {
    Rig rig;
    FakeWorker w(rig.core);
    // Hello's version field is the oldest accepted; the newest is in the description.
    const Frame* hello = w.last(kFrameHello);
    CHECK(hello != nullptr && hello->body.size() > 2 && hello->body[0] == 0 && hello->body[1] == 2);
    CHECK(hello != nullptr && hello->body.find("\"protocolVersion\":3") != std::string::npos);
    w.version = v;
    w.handshake(10);
    CHECK(w.link->state() == LinkState::Open);
    CHECK_EQ(w.link->protocolVersion(), v);
  }
}

TEST(bad_auth_description) {
  Rig rig;
  FakeWorker w(rig.core);
  std::string gn = w.helloNonce();
  uint8_t wn[kNonceSize] = {1};
  uint8_t mac[kMacSize];
  workerProof("", reinterpret_cast<const uint8_t*>(gn.data()), wn, mac);
  std::string auth;
  appendAuthFrame(auth, wn, mac, "{\"workerId\":5,\"pid\":1}");
  w.feed(auth);
  CHECK_EQ(rejectReason(w), std::string("auth: description must be {\"workerId\": string, \"pid\": number}"));
}

TEST(frames_before_auth_close_the_link) {
  Rig rig;
  FakeWorker w(rig.core);
  w.credit(5);
  CHECK_EQ(rejectReason(w), std::string("frame type 0x12 before the handshake finished (expected Auth)"));
  CHECK_EQ(rig.core.counters().linkErrors, uint64_t(1));
}

TEST(handshake_timeout) {
  Rig rig;
  FakeWorker w(rig.core);
  rig.clock += 4999;
  rig.core.tick();
  CHECK(w.link->state() == LinkState::Handshake);
  rig.clock += 1;
  rig.core.tick();
  w.pull();
  CHECK(w.link->state() == LinkState::Closed);
  CHECK_EQ(rejectReason(w), std::string("handshake not finished within 5000 ms"));
  // An open link is not timed out.
  FakeWorker w2(rig.core);
  w2.handshake(1);
  rig.clock += 10000;
  rig.core.tick();
  CHECK(w2.link->state() == LinkState::Open);
}

TEST(worker_reject_during_handshake) {
  Rig rig;
  FakeWorker w(rig.core);
  std::string f;
  appendRejectFrame(f, "go away");
  w.feed(f);
  CHECK(w.link->state() == LinkState::Closed);
  CHECK(w.link->closeMode() == LinkCloseMode::Now);
  CHECK_EQ(w.link->closeReason(), std::string("the worker rejected the handshake: go away"));
  CHECK_EQ(rig.core.counters().linkErrors, uint64_t(0));
}

TEST(reject_reason_is_decoded_as_buffer_to_string) {
  // The JS engine logs body.toString('utf8'): E2 82 41 is one U+FFFD then 'A'.
  Rig rig;
  FakeWorker w(rig.core);
  std::string f;
  appendRejectFrame(f, "bad \xe2\x82" "A \xc0\x80");
  w.feed(f);
  CHECK_EQ(w.link->closeReason(), std::string("the worker rejected the handshake: bad \xef\xbf\xbd" "A \xef\xbf\xbd\xef\xbf\xbd"));
}

TEST(ping_is_answered_pong_ignored) {
  Rig rig;
  FakeWorker w(rig.core);
  w.handshake(1);
  std::string f;
  appendPingFrame(f, 0x0102030405060708ull);
  w.feed(f);
  const Frame* pong = w.last(kFramePong);
  CHECK(pong != nullptr);
  if (pong != nullptr) CHECK_EQ(pong->body, std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  std::string p;
  appendFrame(p, kFramePong, "12345678");
  w.feed(p);
  CHECK(w.link->state() == LinkState::Open);
}

TEST(malformed_frames_close_the_link_only) {
  struct Case {
    std::string bytes;
    std::string reason;
  };
  std::vector<Case> cases;
  auto frame = [](uint8_t type, std::string body) {
    std::string f;
    appendFrame(f, type, body);
    return f;
  };
  cases.push_back({frame(kFrameAck, std::string("\x00\x00\x00\x02\x00\x00\x00\x01", 8)), "ack: 8 bytes do not hold 2 sequence numbers"});
  cases.push_back({frame(kFrameAck, "ab"), "ack: truncated"});
  cases.push_back({frame(kFrameCredit, "abc"), "credit: body must be 4 bytes"});
  cases.push_back({frame(kFrameDrain, "x"), "drain: body must be empty"});
  cases.push_back({frame(kFramePing, "short"), "ping: body must be 8 bytes"});
  cases.push_back({frame(0x10, ""), "frame type 0x10 is not allowed from a worker"});
  cases.push_back({frame(0x7f, "zz"), "frame type 0x7f is not allowed from a worker"});
  cases.push_back({std::string("\x00\x00\x00\x00", 4), "frame with length 0 (no type byte)"});
  cases.push_back({std::string("\x01\x00\x00\x01\x20", 5), "frame of 16777217 bytes exceeds the limit of 16777216"});
  cases.push_back({frame(kFrameCommand, std::string("\x63\x00\x00\x00", 4)), "command: unknown op 99"});
  cases.push_back({frame(kFrameCommand, "a"), "command: truncated"});
  // Binary arguments: every length checked, every stray bit and byte refused.
  const std::string id(12, '\x01');
  cases.push_back({frame(kFrameCommand, std::string("\x01\x00" "abcde", 7)), "command: sendToClient: arguments overrun the frame"});
  cases.push_back({frame(kFrameCommand, std::string("\x06\x01", 2) + id), "command: destroyClient: flag bits 0x01 are not defined for this op"});
  cases.push_back({frame(kFrameCommand, std::string("\x02\x40", 2)), "command: sendToAll: flag bits 0x40 are not defined for this op"});
  cases.push_back({frame(kFrameCommand, std::string("\x02\x08\x00\x02", 4) + id), "command: sendToAll: arguments overrun the frame"});
  cases.push_back({frame(kFrameCommand, std::string("\x03\x00\xff\xff", 4)), "command: sendToUid: arguments overrun the frame"});
  cases.push_back({frame(kFrameCommand, std::string("\x03\x00\x00\x01\x00\x01\xff", 7)), "command: sendToUid: a uid or group is not valid UTF-8"});
  cases.push_back({frame(kFrameCommand, std::string("\x04\x00\x00\x01\x00\x05" "ab", 8)), "command: sendToGroup: arguments overrun the frame"});
  cases.push_back({frame(kFrameCommand, std::string("\x0c\x00", 2) + id + std::string("\x00\x00\x00\x01\x09", 5)), "command: session: patch kind 9 is not 1, 2 or 3"});
  cases.push_back({frame(kFrameCommand, std::string("\x06\x00", 2) + id + "x"), "command: destroyClient: 1 bytes after the arguments of an op without data"});
  cases.push_back({frame(kFrameQuery, "ab"), "query: truncated"});
  cases.push_back({frame(kFrameQuery, std::string("\0\0\0\1{\"op\":1}", 12)), "query: expected {\"op\": string, \"args\": array}"});
  for (const Case& c : cases) {
    Rig rig;
    ClientRecord* client = rig.connect();
    FakeWorker w(rig.core);
    w.handshake(10);
    CHECK_EQ(w.events().size(), size_t(1));
    w.feed(c.bytes);
    CHECK_EQ(rejectReason(w), c.reason);
    CHECK(w.link->state() == LinkState::Closed);
    CHECK_EQ(rig.core.counters().linkErrors, uint64_t(1));
    // The client is untouched; its unacked connect event waits for another link.
    CHECK(client->state == ClientState::Open);
    CHECK_EQ(rig.core.stats().eventsWaiting, uint64_t(1));
    CHECK_EQ(rig.core.stats().eventsRedelivered, uint64_t(1));
    std::vector<ControlEvent> ev = rig.core.takeEvents();
    CHECK_EQ(countType(ev, ControlEvent::Type::LinkClose), size_t(1));
    for (const ControlEvent& e : ev)
      if (e.type == ControlEvent::Type::LinkClose) {
        CHECK_EQ(e.reason, c.reason);
        CHECK_EQ(e.redelivered, uint64_t(1));
      }
    // Bytes after the failure are ignored.
    CHECK(!w.link->onBytes(reinterpret_cast<const uint8_t*>("\0\0\0\1\x13"), 5));
  }
}

TEST(frames_split_across_reads_and_coalesced) {
  Rig rig;
  FakeWorker w(rig.core);
  std::string bytes = w.authFrame("");
  std::string credit;
  appendCreditFrame(credit, 3);
  bytes += credit;
  for (char ch : bytes) w.link->onBytes(reinterpret_cast<const uint8_t*>(&ch), 1);
  CHECK(w.link->state() == LinkState::Open);
  CHECK_EQ(w.link->credit, uint64_t(3));
}

TEST(worker_closing_the_socket_closes_the_link) {
  Rig rig;
  rig.connect();
  FakeWorker w(rig.core);
  w.handshake(10);
  rig.core.takeEvents();
  rig.core.linkSocketClosed(w.link, "the worker closed the link");
  std::vector<ControlEvent> ev = rig.core.takeEvents();
  CHECK_EQ(countType(ev, ControlEvent::Type::LinkClose), size_t(1));
  for (const ControlEvent& e : ev)
    if (e.type == ControlEvent::Type::LinkClose) {
      CHECK_EQ(e.reason, std::string("the worker closed the link"));
      CHECK_EQ(e.workerId, std::string("w1"));
      CHECK_EQ(e.redelivered, uint64_t(1));
    }
  CHECK_EQ(rig.core.linkCount(), size_t(0));
  CHECK_EQ(rig.core.allLinks().size(), size_t(0));
  CHECK_EQ(rig.core.counters().linkErrors, uint64_t(0));
}

TEST(graceful_close_links) {
  Rig rig;
  FakeWorker w(rig.core);
  w.handshake(1);
  rig.core.closeLinks("gateway stopping");
  CHECK(w.link->state() == LinkState::Closed);
  CHECK(w.link->closeMode() == LinkCloseMode::AfterOutput);
  // It says why, so the worker can tell a stop from a crash.
  CHECK_EQ(w.count(kFrameReject), size_t(1));
}

TEST(the_unacked_map_gives_back_its_buckets_once_empty) {
  Rig rig;
  FakeWorker w(rig.core);
  w.handshake(100000);
  for (int i = 0; i < 20000; i++) rig.connect();
  CHECK_EQ(w.link->unacked.size(), size_t(20000));
  CHECK(w.link->unacked.bucket_count() >= size_t(20000));
  w.ackAll();
  CHECK_EQ(w.link->unacked.size(), size_t(0));
  CHECK(w.link->unacked.bucket_count() <= WorkerLink::kUnackedBucketsKept);
}
