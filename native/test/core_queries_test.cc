// Queries: every op with the JS result shapes and key orders, argument
// errors (status 1, the link stays), unknown ops, stats, connection rows.
#include "support/core_fakes.h"
#include "harness.h"

using namespace gh;
using namespace gh::testing;

namespace {
std::string q(const std::string& s) { return "\"" + s + "\""; }

struct World {
  Rig rig;
  FakeWorker w{rig.core};
  ClientRecord* a;
  ClientRecord* b;
  ClientRecord* c;
  std::string ia, ib, ic;
  World() {
    w.handshake(1000);
    a = rig.connect();
    b = rig.connect();
    c = rig.connect(3);
    ia = rig.id(a);
    ib = rig.id(b);
    ic = rig.id(c);
    w.command(kOpBindUid, "[" + q(ia) + ",\"u9\"]");
    w.command(kOpBindUid, "[" + q(ib) + ",\"u1\"]");
    w.command(kOpBindUid, "[" + q(ic) + ",\"u1\"]");
    w.command(kOpJoinGroup, "[" + q(ib) + ",\"room\"]");
    w.command(kOpJoinGroup, "[" + q(ia) + ",\"room\"]");
    w.command(kOpJoinGroup, "[" + q(ic) + ",\"7\"]");
    w.command(kOpSession, "{\"c\":" + q(ia) + ",\"p\":1,\"k\":3}", "{\"n\":\"A\"}");
  }
  std::string ok(const std::string& op, const std::string& args) {
    auto r = w.query(op, args);
    CHECK_EQ(r.first, uint8_t(0));
    return r.second;
  }
  std::string err(const std::string& op, const std::string& args) {
    auto r = w.query(op, args);
    CHECK_EQ(r.first, uint8_t(1));
    return r.second;
  }
};
}  // namespace

TEST(directory_queries) {
  World x;
  CHECK_EQ(x.ok("isOnline", "[" + q(x.ia) + "]"), std::string("true"));
  CHECK_EQ(x.ok("isOnline", "[\"ffffffffffff000000000001\"]"), std::string("false"));
  CHECK_EQ(x.ok("uidByClientId", "[" + q(x.ia) + "]"), std::string("\"u9\""));
  CHECK_EQ(x.ok("uidByClientId", "[\"nope\"]"), std::string("null"));
  CHECK_EQ(x.ok("clientIdsByUid", "[[\"u1\",\"none\",\"u9\"]]"),
           "{\"u1\":[" + q(x.ib) + "," + q(x.ic) + "],\"none\":[],\"u9\":[" + q(x.ia) + "]}");
  CHECK_EQ(x.ok("clientCount", "[]"), std::string("3"));
  CHECK_EQ(x.ok("clientCount", "[\"room\"]"), std::string("2"));
  CHECK_EQ(x.ok("clientCount", "[null]"), std::string("3"));
  CHECK_EQ(x.ok("clientCount", "[\"none\"]"), std::string("0"));
  CHECK_EQ(x.ok("clientIds", "[]"), "[" + q(x.ia) + "," + q(x.ib) + "," + q(x.ic) + "]");
  CHECK_EQ(x.ok("clientIds", "[\"room\"]"), "[" + q(x.ib) + "," + q(x.ia) + "]");
  CHECK_EQ(x.ok("clientSessions", "[\"room\"]"), "{" + q(x.ib) + ":{}," + q(x.ia) + ":{\"n\":\"A\"}}");
  CHECK_EQ(x.ok("uids", "[]"), std::string("[\"u9\",\"u1\"]"));
  CHECK_EQ(x.ok("uids", "[\"room\"]"), std::string("[\"u1\",\"u9\"]"));
  CHECK_EQ(x.ok("groups", "[]"), std::string("[\"room\",\"7\"]"));
  // Object results keep JavaScript property order: the array-index key "7" first.
  CHECK_EQ(x.ok("groupUids", "[]"), std::string("{\"7\":[\"u1\"],\"room\":[\"u1\",\"u9\"]}"));
  CHECK_EQ(x.ok("groupClientIds", "[]"), "{\"7\":[" + q(x.ic) + "],\"room\":[" + q(x.ib) + "," + q(x.ia) + "]}");
  CHECK_EQ(x.ok("groupClientCounts", "[[\"room\",\"x\",\"7\"]]"), std::string("{\"7\":1,\"room\":2,\"x\":0}"));
  CHECK_EQ(x.ok("session", "[" + q(x.ia) + "]"), std::string("{\"n\":\"A\"}"));
  CHECK_EQ(x.ok("session", "[" + q(x.ib) + "]"), std::string("{}"));
  CHECK_EQ(x.ok("session", "[\"zz\"]"), std::string("null"));
  CHECK_EQ(x.rig.core.counters().queries, uint64_t(21));
  // A closed client is reported by nothing.
  x.rig.core.clientClosed(x.b);
  CHECK_EQ(x.ok("clientIds", "[\"room\"]"), "[" + q(x.ia) + "]");
  CHECK_EQ(x.ok("uids", "[]"), std::string("[\"u9\",\"u1\"]"));
  CHECK_EQ(x.ok("clientIdsByUid", "[[\"u1\"]]"), "{\"u1\":[" + q(x.ic) + "]}");
  CHECK_EQ(x.ok("isOnline", "[" + q(x.ib) + "]"), std::string("false"));
}

TEST(query_errors_keep_the_link) {
  World x;
  CHECK_EQ(x.err("isOnline", "[]"), std::string("\"isOnline: args must be [clientId]\""));
  CHECK_EQ(x.err("session", "[1]"), std::string("\"session: args must be [clientId]\""));
  CHECK_EQ(x.err("clientCount", "[5]"), std::string("\"clientCount: args must be [] or [group] with group a string\""));
  CHECK_EQ(x.err("clientIdsByUid", "[\"u\"]"), std::string("\"clientIdsByUid: args must be [[uid]] (an array of strings)\""));
  CHECK_EQ(x.err("groupClientCounts", "[[1]]"),
           std::string("\"groupClientCounts: args must be [[group]] (an array of strings)\""));
  CHECK_EQ(x.err("toString", "[]"), std::string("\"unknown query op \\\"toString\\\"\""));
  CHECK_EQ(x.err("nope", "[]"), std::string("\"unknown query op \\\"nope\\\"\""));
  CHECK(x.w.link->state() == LinkState::Open);
  auto r = x.w.query("isOnline", "[" + q(x.ia) + "]", 0xfeedbeef);
  CHECK_EQ(r.second, std::string("true"));
  const Frame* reply = x.w.last(kFrameReply);
  CHECK(reply != nullptr && reply->body.substr(0, 4) == std::string("\xfe\xed\xbe\xef", 4));
}

TEST(stats_query_keys_in_engine_order) {
  World x;
  x.rig.core.counters().writes = 5;
  std::string s = x.ok("stats", "[]");
  CHECK_EQ(s, std::string("{\"gatewayId\":\"0123456789ab\",\"connections\":3,\"connectionsAccepted\":3,"
                          "\"connectionsRefused\":0,\"links\":1,\"messagesIn\":0,\"messagesOut\":0,\"bytesIn\":0,"
                          "\"bytesOut\":0,\"writes\":5,\"tooLarge\":0,\"invalidJson\":0,\"framingErrors\":0,"
                          "\"slowConsumerDrops\":0,\"slowConsumerCloses\":0,\"heldForConnect\":0,\"heldForConnectDrops\":0,\"heartbeatCloses\":0,\"encodeErrors\":0,"
                          "\"commands\":7,\"commandsForGoneClients\":0,\"queries\":1,\"eventsSent\":3,\"eventsAcked\":0,"
                          "\"eventsRedelivered\":0,\"eventsFailed\":0,\"eventsUnacked\":3,\"eventsWaiting\":0,"
                          "\"readPauses\":0,\"readsPaused\":false,\"linkErrors\":0,\"linkOutputStalls\":0}"));
  EngineStatsSnapshot st = x.rig.core.stats();
  CHECK_EQ(st.connections, uint64_t(3));
  CHECK_EQ(st.links, uint64_t(1));
  CHECK_EQ(st.writes, uint64_t(5));
}

TEST(connection_rows) {
  World x;
  x.rig.clock += 250;
  x.a->bytesIn = 11;
  std::string rows = x.rig.core.connectionsJson(0, "ws");
  CHECK_EQ(rows, "[{\"clientId\":" + q(x.ic) + ",\"listener\":\"ws\",\"protocol\":\"websocket\","
                 "\"remoteAddress\":\"10.0.0.1\",\"remotePort\":5555,\"uid\":\"u1\",\"groups\":[\"7\"],"
                 "\"bytesIn\":0,\"bytesOut\":0,\"sendQueueBytes\":7,\"eventsWaiting\":0,\"eventsUnacked\":1,"
                 "\"slowConsumerDrops\":0,\"connectedAt\":1700000000000,\"idleMs\":250}]");
  std::string first = x.rig.core.connectionsJson(1, "");
  CHECK(first.find(x.ia) != std::string::npos && first.find(x.ib) == std::string::npos);
  CHECK(first.find("\"bytesIn\":11") != std::string::npos);
  CHECK_EQ(x.rig.core.connectionsJson(0, "none"), std::string("[]"));
}

TEST(stop_primitives) {
  World x;
  size_t open = x.rig.core.closeClients(2, "gateway stopping", kWsGoingAway);
  CHECK_EQ(open, size_t(1));
  CHECK_EQ(x.rig.io.closed.size(), size_t(2));
  CHECK(x.rig.io.resumed == (std::vector<uint64_t>{x.a->number, x.b->number}));
  CHECK(x.rig.io.closed.size() == 2 && x.rig.io.closed[0].wsCode == kWsGoingAway);
  CHECK_EQ(x.a->closeReason(), std::string("gateway stopping"));
  x.rig.core.destroyAll("gateway stopping");
  CHECK_EQ(x.rig.io.destroyed.size(), size_t(3));
  CHECK_EQ(x.rig.core.heldEvents(), uint64_t(3));
}

TEST(large_group_keeps_order_through_leaves) {
  Rig rig;
  FakeWorker w(rig.core);
  w.handshake(1000);
  std::vector<ClientRecord*> cs;
  for (int i = 0; i < 100; i++) {
    cs.push_back(rig.connect());
    w.command(kOpJoinGroup, "[" + q(rig.id(cs.back())) + ",\"big\"]");
  }
  for (int i = 0; i < 100; i += 2) w.command(kOpLeaveGroup, "[" + q(rig.id(cs[i])) + ",\"big\"]");
  for (int i = 1; i < 30; i += 2) rig.core.clientClosed(cs[i]);
  w.command(kOpJoinGroup, "[" + q(rig.id(cs[0])) + ",\"big\"]");
  w.command(kOpJoinGroup, "[" + q(rig.id(cs[31])) + ",\"big\"]");  // already in: stays in place
  std::string expected = "[";
  for (int i = 31; i < 100; i += 2) expected += (expected.size() > 1 ? "," : "") + q(rig.id(cs[i]));
  expected += "," + q(rig.id(cs[0])) + "]";
  CHECK_EQ(w.query("clientIds", "[\"big\"]").second, expected);
  CHECK_EQ(w.query("clientCount", "[\"big\"]").second, std::string("36"));
  rig.io.sent.clear();
  w.command(kOpSendToGroup, "{\"g\":[\"big\"]}", "m");
  CHECK_EQ(rig.io.sent.size(), size_t(36));
}

TEST(proto_keys_are_left_out_as_javascript_does) {
  World x;
  x.w.command(kOpJoinGroup, "[" + q(x.ia) + ",\"__proto__\"]");
  x.w.command(kOpBindUid, "[" + q(x.ib) + ",\"__proto__\"]");
  CHECK_EQ(x.ok("groups", "[]"), std::string("[\"room\",\"7\",\"__proto__\"]"));
  CHECK_EQ(x.ok("groupClientCounts", "[[\"__proto__\",\"room\"]]"), std::string("{\"room\":2}"));
  CHECK_EQ(x.ok("clientIdsByUid", "[[\"__proto__\"]]"), std::string("{}"));
  CHECK(x.ok("groupClientIds", "[]").find("__proto__") == std::string::npos);
  CHECK_EQ(x.ok("clientCount", "[\"__proto__\"]"), std::string("1"));
}
