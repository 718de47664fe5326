// Commands from worker links: every op, encoding once per listener, gone
// clients, malformed heads closing the link, session patch rules.
#include "support/core_fakes.h"
#include "harness.h"

using namespace gh;
using namespace gh::testing;

namespace {
std::string q(const std::string& s) { return "\"" + s + "\""; }

struct Setup {
  Rig rig;
  FakeWorker w{rig.core};
  ClientRecord* text;
  ClientRecord* json;
  ClientRecord* frame;
  ClientRecord* ws;
  Setup() {
    w.handshake(1000);
    text = rig.connect(0);
    json = rig.connect(1);
    frame = rig.connect(2);
    ws = rig.connect(3);
    w.ackAll();
  }
  std::vector<std::string> to(ClientRecord* c) { return rig.io.sentTo(c->number); }
};
}  // namespace

TEST(send_to_client_encodes_per_listener) {
  Setup s;
  s.w.command(kOpSendToClient, q(s.rig.id(s.text)), "hello");
  s.w.command(kOpSendToClient, q(s.rig.id(s.frame)), "hello");
  s.w.command(kOpSendToClient, q(s.rig.id(s.ws)), "hello");
  s.w.command(kOpSendToClient, q(s.rig.id(s.ws)), "bin", kCommandBinary);
  s.w.command(kOpSendToClient, q(s.rig.id(s.text)), "raw", kCommandRaw);
  CHECK(s.to(s.text) == (std::vector<std::string>{"hello\n", "raw"}));
  CHECK(s.to(s.frame) == (std::vector<std::string>{std::string("\x00\x05hello", 7)}));
  CHECK(s.to(s.ws) == (std::vector<std::string>{"\x81\x05hello", "\x82\x03" "bin"}));
  CHECK_EQ(s.rig.core.counters().commands, uint64_t(5));
  // Another gateway's client, a malformed id, a closed one: ignored and counted.
  s.w.command(kOpSendToClient, q("ffffffffffff000000000001"), "x");
  s.w.command(kOpSendToClient, q("not an id"), "x");
  CHECK_EQ(s.rig.core.counters().commandsForGoneClients, uint64_t(2));
  CHECK(s.w.link->state() == LinkState::Open);
}

TEST(send_to_all_only_and_exclude) {
  Setup s;
  s.w.command(kOpSendToAll, "null", "all");
  for (ClientRecord* c : {s.text, s.json, s.frame, s.ws}) CHECK_EQ(s.to(c).size(), size_t(1));
  s.rig.io.sent.clear();
  s.w.command(kOpSendToAll, "{\"x\":[" + q(s.rig.id(s.json)) + "]}", "ex");
  CHECK_EQ(s.to(s.json).size(), size_t(0));
  CHECK_EQ(s.to(s.text).size(), size_t(1));
  CHECK_EQ(s.rig.io.sent.size(), size_t(3));
  s.rig.io.sent.clear();
  std::string only = "[" + q(s.rig.id(s.text)) + "," + q(s.rig.id(s.text)) + "," + q(s.rig.id(s.ws)) + "," +
                     q("ffffffffffff000000000009") + "]";
  s.w.command(kOpSendToAll, "{\"c\":" + only + ",\"x\":[" + q(s.rig.id(s.ws)) + "]}", "o");
  CHECK_EQ(s.rig.io.sent.size(), size_t(1));
  CHECK_EQ(s.to(s.text).size(), size_t(1));
  // Encoded once per listener, whatever the number of clients.
  ClientRecord* t2 = s.rig.connect(0);
  s.w.ackAll();
  s.rig.io.sent.clear();
  s.w.command(kOpSendToAll, "{}", "z");
  CHECK(s.to(t2) == s.to(s.text));
}

// docs/worker.md "Connect storms": a broadcast to a client whose Connect is
// unacked waits for the ack, and follows what its onConnect sent.
TEST(send_to_all_held_until_connect_acked) {
  Setup s;
  ClientRecord* late = s.rig.connect(0);
  s.w.command(kOpSendToAll, "{}", "news");
  CHECK_EQ(s.to(s.text).size(), size_t(1));
  CHECK_EQ(s.to(late).size(), size_t(0));
  CHECK_EQ(s.rig.core.counters().heldForConnect, uint64_t(1));
  s.w.command(kOpSendToClient, q(s.rig.id(late)), "welcome");
  s.w.ackAll();
  CHECK(s.to(late) == (std::vector<std::string>{"welcome\n", "news\n"}));
  s.w.command(kOpSendToAll, "{}", "more");
  CHECK(s.to(late) == (std::vector<std::string>{"welcome\n", "news\n", "more\n"}));
  CHECK_EQ(s.rig.core.counters().heldForConnect, uint64_t(1));
  CHECK_EQ(s.rig.core.counters().heldForConnectDrops, uint64_t(0));
  // Held in the core's side table only while needed: an opened client leaves it.
  CHECK_EQ(s.rig.core.heldClientCount(), size_t(0));
}

// A client that closes while a broadcast is held for it gets nothing, then or
// at the ack, and leaves nothing held behind.
TEST(send_to_all_held_for_a_client_that_closes_is_dropped) {
  Setup s;
  ClientRecord* late = s.rig.connect(0);
  uint64_t number = late->number;  // the record is freed once its close event is acked
  s.w.command(kOpSendToAll, "{}", "news");
  CHECK_EQ(s.rig.core.heldClientCount(), size_t(1));
  s.rig.core.clientClosed(late);
  CHECK_EQ(s.rig.core.heldClientCount(), size_t(0));
  s.w.ackAll();
  CHECK_EQ(s.rig.io.sentTo(number).size(), size_t(0));
  CHECK_EQ(s.to(s.text).size(), size_t(1));
}

TEST(uids_one_per_client) {
  Setup s;
  s.w.command(kOpBindUid, "[" + q(s.rig.id(s.text)) + ",\"u1\"]");
  s.w.command(kOpBindUid, "[" + q(s.rig.id(s.json)) + ",\"u1\"]");
  s.w.command(kOpBindUid, "[" + q(s.rig.id(s.ws)) + ",\"u2\"]");
  s.w.command(kOpSendToUid, "[\"u1\",\"u1\",\"nobody\"]", "m");
  CHECK_EQ(s.to(s.text).size(), size_t(1));
  CHECK_EQ(s.to(s.json).size(), size_t(1));
  CHECK_EQ(s.to(s.ws).size(), size_t(0));
  // BindUid replaces; UnbindUid of another uid changes nothing.
  s.w.command(kOpBindUid, "[" + q(s.rig.id(s.text)) + ",\"u2\"]");
  CHECK(s.text->hasUid() && s.text->uid() == "u2");
  s.w.command(kOpUnbindUid, "[" + q(s.rig.id(s.text)) + ",\"u1\"]");
  CHECK(s.text->hasUid() && s.text->uid() == "u2");
  CHECK_EQ(s.w.query("clientIdsByUid", "[[\"u1\",\"u2\"]]").second,
           "{\"u1\":[" + q(s.rig.id(s.json)) + "],\"u2\":[" + q(s.rig.id(s.ws)) + "," + q(s.rig.id(s.text)) + "]}");
  s.w.command(kOpUnbindUid, "[" + q(s.rig.id(s.text)) + ",\"u2\"]");
  CHECK(!s.text->hasUid());
  CHECK_EQ(s.w.query("uids", "[]").second, std::string("[\"u1\",\"u2\"]"));
}

TEST(groups_join_leave_ungroup_and_send) {
  Setup s;
  s.w.command(kOpJoinGroup, "[" + q(s.rig.id(s.text)) + ",\"g1\"]");
  s.w.command(kOpJoinGroup, "[" + q(s.rig.id(s.text)) + ",\"g2\"]");
  s.w.command(kOpJoinGroup, "[" + q(s.rig.id(s.json)) + ",\"g2\"]");
  s.w.command(kOpJoinGroup, "[" + q(s.rig.id(s.ws)) + ",\"g2\"]");
  s.w.command(kOpSendToGroup, "{\"g\":[\"g1\",\"g2\"],\"x\":[" + q(s.rig.id(s.ws)) + "]}", "m");
  CHECK_EQ(s.to(s.text).size(), size_t(1));  // in both groups: once
  CHECK_EQ(s.to(s.json).size(), size_t(1));
  CHECK_EQ(s.to(s.ws).size(), size_t(0));
  s.w.command(kOpLeaveGroup, "[" + q(s.rig.id(s.text)) + ",\"g2\"]");
  CHECK_EQ(s.w.query("groupClientIds", "[]").second,
           "{\"g1\":[" + q(s.rig.id(s.text)) + "],\"g2\":[" + q(s.rig.id(s.json)) + "," + q(s.rig.id(s.ws)) + "]}");
  s.w.command(kOpUngroup, "\"g2\"");
  CHECK_EQ(s.w.query("groups", "[]").second, std::string("[\"g1\"]"));
  CHECK(s.json->groups().empty());
  s.rig.io.sent.clear();
  s.w.command(kOpSendToGroup, "{\"g\":[\"g2\"]}", "m");
  CHECK_EQ(s.rig.io.sent.size(), size_t(0));
}

TEST(close_and_destroy) {
  Setup s;
  s.w.command(kOpCloseClient, q(s.rig.id(s.text)), "bye", kCommandHasData);
  CHECK(s.to(s.text) == (std::vector<std::string>{"bye\n"}));
  CHECK_EQ(s.rig.io.closed.size(), size_t(1));
  CHECK(s.text->state == ClientState::Closing);
  CHECK_EQ(s.text->closeReason(), std::string("closed by server"));
  // Closing: nothing more is written, a second close does nothing.
  s.w.command(kOpSendToClient, q(s.rig.id(s.text)), "late");
  s.w.command(kOpCloseClient, q(s.rig.id(s.text)));
  CHECK_EQ(s.to(s.text).size(), size_t(1));
  CHECK_EQ(s.rig.io.closed.size(), size_t(1));
  s.w.command(kOpDestroyClient, q(s.rig.id(s.json)));
  CHECK(s.rig.io.destroyed == (std::vector<uint64_t>{s.json->number}));
  CHECK_EQ(s.json->closeReason(), std::string("destroyed by server"));
  // The socket goes: the close event carries the reason.
  s.rig.core.clientClosed(s.json);
  std::vector<Event> ev = s.w.newEvents();
  CHECK(!ev.empty() && ev.back().kind == 4 && ev.back().payload == "destroyed by server");
}

TEST(malformed_commands_close_the_link) {
  // The decoder's every error is in protocol_binary_command_test; here, what the core does with one.
  struct Case {
    std::string body;
    std::string reason;
  };
  std::vector<Case> cases = {
      {std::string("\x0d\x00", 2), "command: unknown op 13"},
      {std::string("\x01\x00\x01\x02", 4), "command: sendToClient: arguments overrun the frame"},
      {std::string("\x0b\x00\x00\x01\x61\x62", 6), "command: ungroup: 1 bytes after the arguments of an op without data"},
  };
  for (const Case& c : cases) {
    Setup s;
    uint64_t before = s.rig.core.counters().commands;
    std::string f;
    appendFrame(f, kFrameCommand, c.body);
    s.w.feed(f);
    const Frame* reject = s.w.last(kFrameReject);
    CHECK(reject != nullptr && reject->body == c.reason);
    if (reject != nullptr && reject->body != c.reason) std::printf("  got: %s\n", reject->body.c_str());
    CHECK(s.w.link->state() == LinkState::Closed);
    CHECK_EQ(s.rig.core.counters().linkErrors, uint64_t(1));
    CHECK_EQ(s.rig.core.counters().commands, before);  // only a decoded command counts
    CHECK(s.text->state == ClientState::Open);
  }
}

TEST(encode_error_counted_once_per_message) {
  Setup s;
  ClientRecord* f2 = s.rig.connect(2);
  s.w.command(kOpSendToAll, "null", std::string(70000, 'x'));
  CHECK_EQ(s.rig.core.counters().encodeErrors, uint64_t(1));
  CHECK_EQ(s.to(s.frame).size(), size_t(0));
  CHECK_EQ(s.to(f2).size(), size_t(0));
  CHECK_EQ(s.to(s.text).size(), size_t(1));
  std::vector<ControlEvent> warn = s.rig.logs("warn");
  CHECK_EQ(warn.size(), size_t(1));
  if (warn.size() == 1)
    CHECK_EQ(warn[0].fieldsJson, std::string("{\"listener\":\"bin\",\"err\":{\"type\":\"RangeError\",\"message\":\"message of "
                                             "70000 bytes is too long for a 2-byte frame header (at most 65535 bytes)\"}}"));
}

TEST(session_patch_rules) {
  Setup s;
  std::string id = s.rig.id(s.text);
  // A patch from the pinned link that knows the session: known follows, the next event has no session bytes.
  s.w.command(kOpSession, "{\"c\":" + q(id) + ",\"p\":1,\"k\":3}", "{\"a\":1}");
  CHECK_EQ(std::string(s.text->session()), std::string("{\"a\":1}"));
  CHECK_EQ(s.text->sessionVersion, uint32_t(2));
  s.rig.message(s.text, "m");
  std::vector<Event> ev = s.w.newEvents();
  CHECK(ev.size() == 1 && !ev[0].hasSession && ev[0].sessionVersion == 2 && ev[0].patchAck == 1);
  // A patch from another link: the pinned link's copy is stale, the next event carries the session.
  FakeWorker other(s.rig.core);
  other.handshake(10, "", "w2");
  other.command(kOpSession, "{\"c\":" + q(id) + ",\"p\":7,\"k\":1}", "{\"s\":{\"b\":2},\"d\":[\"a\"]}");
  CHECK_EQ(std::string(s.text->session()), std::string("{\"b\":2}"));
  s.rig.message(s.text, "m2");
  ev = s.w.newEvents();
  CHECK(ev.size() == 1 && ev[0].hasSession && ev[0].session == "{\"b\":2}" && ev[0].sessionVersion == 3 &&
        ev[0].patchAck == 1);
  // Replace; a bad patch closes the link that sent it and changes nothing.
  s.w.command(kOpSession, "{\"c\":" + q(id) + ",\"p\":2,\"k\":2}", "{\"z\":true}");
  CHECK_EQ(std::string(s.text->session()), std::string("{\"z\":true}"));
  other.command(kOpSession, "{\"c\":" + q(id) + ",\"p\":8,\"k\":2}", "[1]");
  CHECK(other.link->state() == LinkState::Closed);
  const Frame* reject = other.last(kFrameReject);
  CHECK(reject != nullptr && reject->body.rfind("session: patch data of client " + id + " is invalid: ", 0) == 0);
  CHECK_EQ(std::string(s.text->session()), std::string("{\"z\":true}"));
  CHECK_EQ(s.text->sessionVersion, uint32_t(4));
  // The other link is gone, but the client was not pinned there: as in the JS engine its ack stays.
  CHECK_EQ(s.text->patchAcks().size(), size_t(2));
}

TEST(session_of_closed_client_applies_until_close_acked) {
  Setup s;
  std::string id = s.rig.id(s.text);
  s.w.credit(0);
  // Close event waiting: no credit left.
  FakeWorker& w = s.w;
  std::vector<Event> pending = w.newEvents();
  s.rig.core.clientClosed(s.text);
  w.command(kOpSession, "{\"c\":" + q(id) + ",\"p\":1,\"k\":3}", "{\"last\":1}");
  CHECK_EQ(s.rig.core.counters().commandsForGoneClients, uint64_t(0));
  // Gone for sends and queries.
  w.command(kOpSendToClient, q(id), "x");
  CHECK_EQ(s.rig.core.counters().commandsForGoneClients, uint64_t(1));
  CHECK_EQ(w.query("isOnline", "[" + q(id) + "]").second, std::string("false"));
  std::vector<Event> ev = w.newEvents();
  CHECK(!ev.empty() && ev.back().kind == 4);
  w.ack({ev.back().seq});
  w.command(kOpSession, "{\"c\":" + q(id) + ",\"p\":2,\"k\":3}", "{\"x\":1}");
  CHECK_EQ(s.rig.core.counters().commandsForGoneClients, uint64_t(2));
  (void)pending;
}

TEST(close_event_carries_latest_session) {
  Rig rig;
  FakeWorker w(rig.core);
  w.handshake(1);
  ClientRecord* c = rig.connect();
  std::string id = rig.id(c);
  rig.core.clientClosed(c);  // the close event waits (credit 1, connect in flight)
  w.command(kOpSession, "{\"c\":" + q(id) + ",\"p\":1,\"k\":3}", "{\"k\":\"v\"}");
  FakeWorker w2(rig.core);
  w2.handshake(5, "", "w2");
  w2.command(kOpSession, "{\"c\":" + q(id) + ",\"p\":1,\"k\":3}", "{\"k2\":2}");
  w.ackAll();
  std::vector<Event> ev = w.newEvents();
  CHECK(ev.size() == 1 && ev[0].kind == 4 && ev[0].hasSession && ev[0].session == "{\"k\":\"v\",\"k2\":2}" &&
        ev[0].sessionVersion == 3 && ev[0].patchAck == 1);
}
