// Queries: every op with the JS result shapes and key orders (the app sees
// them), argument errors (status 1, the link stays), unknown ops; stats and
// connection rows as parsed values (only our own code reads them).
#include <iterator>

#include "harness.h"
#include "json/json_value.h"
#include "support/core_fakes.h"

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

TEST(stats_query_reports_every_counter) {
  // The stats query's JSON is parsed by the worker and handed to the app as an
  // object: what matters is each name and value, not the order or spacing.
  World x;
  x.rig.core.counters().writes = 5;
  std::string s = x.ok("stats", "[]");
  JsonValue v;
  std::string error;
  CHECK(parseJson(s, &v, &error));
  CHECK(v.isObject());
  EngineStatsSnapshot st = x.rig.core.stats();
  CHECK_EQ(st.connections, uint64_t(3));
  CHECK_EQ(st.links, uint64_t(1));
  CHECK_EQ(st.writes, uint64_t(5));
  const std::pair<const char*, uint64_t> counts[] = {
      {"connections", st.connections}, {"connectionsAccepted", st.connectionsAccepted},
      {"connectionsRefused", st.connectionsRefused}, {"links", st.links}, {"messagesIn", st.messagesIn},
      {"messagesOut", st.messagesOut}, {"bytesIn", st.bytesIn}, {"bytesOut", st.bytesOut}, {"writes", st.writes},
      {"tooLarge", st.tooLarge}, {"invalidJson", st.invalidJson}, {"framingErrors", st.framingErrors},
      {"slowConsumerDrops", st.slowConsumerDrops}, {"slowConsumerCloses", st.slowConsumerCloses},
      {"heldForConnect", st.heldForConnect}, {"heldForConnectDrops", st.heldForConnectDrops},
      {"heartbeatCloses", st.heartbeatCloses}, {"encodeErrors", st.encodeErrors}, {"commands", st.commands},
      {"commandsForGoneClients", st.commandsForGoneClients}, {"queries", st.queries}, {"eventsSent", st.eventsSent},
      {"eventsAcked", st.eventsAcked}, {"eventsRedelivered", st.eventsRedelivered}, {"eventsFailed", st.eventsFailed},
      {"eventsUnacked", st.eventsUnacked}, {"eventsWaiting", st.eventsWaiting}, {"readPauses", st.readPauses},
      {"linkErrors", st.linkErrors}, {"linkOutputStalls", st.linkOutputStalls},
  };
  for (const auto& [name, value] : counts) {
    const JsonValue* f = v.find(name);
    CHECK(f != nullptr && f->isNumber());
    if (f != nullptr && f->isNumber()) CHECK_EQ(f->text(), std::to_string(value));
  }
  CHECK_EQ(v.find("writes")->text(), "5");
  CHECK_EQ(v.find("commands")->text(), "7");
  CHECK(v.find("gatewayId") != nullptr && v.find("gatewayId")->text() == "0123456789ab");
  CHECK(v.find("readsPaused") != nullptr && v.find("readsPaused")->isBool());
  // gatewayId, the counters, readsPaused and listeners: nothing else.
  CHECK_EQ(v.members().size(), std::size(counts) + 3);
  const JsonValue* listeners = v.find("listeners");
  CHECK(listeners != nullptr && listeners->isObject());
  if (listeners != nullptr) {
    CHECK_EQ(listeners->members().size(), size_t(4));
    for (const char* name : {"tcp", "json", "bin", "ws"}) {
      const JsonValue* l = listeners->find(name);
      CHECK(l != nullptr && l->isObject() && l->members().empty());  // the rig names no per-listener counter
    }
  }
}

TEST(connection_rows) {
  World x;
  x.rig.clock += 250;
  x.a->bytesIn = 11;
  // The rows are parsed by src/gateway/engine-native/native-engine.ts into
  // ConnectionRow objects: names and values matter, not key order.
  std::string rows = x.rig.core.connectionsJson(0, "ws");
  JsonValue v;
  std::string error;
  CHECK(parseJson(rows, &v, &error));
  CHECK(v.isArray() && v.items().size() == 1);
  const JsonValue& row = v.items()[0];
  const std::pair<const char*, std::string> fields[] = {
      {"clientId", x.ic}, {"listener", "ws"}, {"protocol", "websocket"}, {"remoteAddress", "10.0.0.1"},
      {"remotePort", "5555"}, {"uid", "u1"}, {"bytesIn", "0"}, {"bytesOut", "0"}, {"sendQueueBytes", "7"},
      {"eventsWaiting", "0"}, {"eventsUnacked", "1"}, {"slowConsumerDrops", "0"},
      {"connectedAt", "1700000000000"}, {"idleMs", "250"},
  };
  for (const auto& [name, value] : fields) {
    const JsonValue* f = row.find(name);
    CHECK(f != nullptr && (f->isString() || f->isNumber()));
    if (f != nullptr) CHECK_EQ(f->text(), value);
  }
  CHECK(row.find("remotePort")->isNumber() && row.find("clientId")->isString());
  const JsonValue* groups = row.find("groups");
  CHECK(groups != nullptr && groups->isArray() && groups->items().size() == 1 && groups->items()[0].text() == "7");
  CHECK_EQ(row.members().size(), std::size(fields) + 1);  // + groups
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
