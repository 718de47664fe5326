// WebSocket listeners of a real Engine: the HTTP phase (static routes, /healthz,
// keep-alive, bad requests, 503 when overloaded), the upgrade, masked frames,
// ping/pong, both close handshakes, protocol errors with ws's codes and reasons.
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

#include "engine/engine.h"
#include "support/peers.h"
#include "harness.h"

using namespace gh;
using namespace gh::testing;

namespace {

struct WsFixture {
  std::string dir;
  std::unique_ptr<Engine> engine;
  BoundAddresses bound;
  FakeWorker worker;
  std::vector<std::unique_ptr<Client>> clients;
  bool started = false;

  explicit WsFixture(EngineOptions o = {}) {
    char tmpl[] = "/tmp/gh-engine-ws-XXXXXX";
    dir = mkdtemp(tmpl);
    o.gatewayId = "00000000beef";
    ListenerSpec ws;
    ws.name = "ws";
    ws.protocol = ListenerProtocol::WebSocket;
    ws.host = "127.0.0.1";
    ws.maxMessageSize = 1000;
    ws.staticRoutes.push_back(StaticRouteSpec{"/", "text/html; charset=utf-8", "<h1>hi</h1>"});
    o.listeners = {ws};
    o.linkPath = dir + "/gateway-0.sock";
    engine = std::make_unique<Engine>(o);
    std::string error;
    started = engine->start(&bound, &error);
    if (!started) fprintf(stderr, "start: %s\n", error.c_str());
    worker.connectUnix(bound.linkPath);
    pump([&] { return worker.open; });
    worker.credit(1000);
    pump([&] { return engine->linkCount() == 1; });
  }
  ~WsFixture() {
    engine.reset();
    rmdir(dir.c_str());
  }
  bool pump(const std::function<bool()>& done, uint64_t timeoutMs = 3000) {
    return gh::testing::pump(
        *engine,
        [&] {
          worker.poll();
          for (auto& c : clients) c->poll();
        },
        done, timeoutMs);
  }
  Client* connect() {
    clients.push_back(std::make_unique<Client>());
    clients.back()->connect("127.0.0.1", bound.listeners[0].port);
    return clients.back().get();
  }
  // A client past the 101, with the 101 consumed from its bytes.
  Client* upgraded(std::string* clientId) {
    Client* c = connect();
    c->write(upgradeRequest());
    size_t before = worker.count(2);
    pump([&] { return worker.count(2) == before + 1 && c->received.find("\r\n\r\n") != std::string::npos; });
    size_t end = c->received.find("\r\n\r\n");
    if (end != std::string::npos) c->received.erase(0, end + 4);
    if (worker.last(2) != nullptr) *clientId = worker.last(2)->clientId;
    worker.ackAll();
    return c;
  }
};

bool frameIn(Client* c, WsFrame* frame) { return takeWsFrame(&c->received, frame); }

}  // namespace

TEST(upgrade_then_messages_both_ways) {
  WsFixture f;
  CHECK(f.started);
  Client* c = f.connect();
  c->write(upgradeRequest());
  CHECK(f.pump([&] { return f.worker.count(2) == 1; }));
  CHECK(c->received.find("HTTP/1.1 101 Switching Protocols\r\n") == 0);
  CHECK(c->received.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != std::string::npos);
  CHECK_EQ(f.worker.events.size(), size_t(2));
  if (f.worker.events.size() != 2) return;
  CHECK_EQ(int(f.worker.events[0].kind), 1);
  const std::string handshake = f.worker.events[1].payload;
  CHECK(handshake.find("\"url\":\"/chat?room=1\"") != std::string::npos);
  CHECK(handshake.find("\"remoteAddress\":\"127.0.0.1\"") != std::string::npos);
  std::string id = f.worker.events[1].clientId;
  c->received.erase(0, c->received.find("\r\n\r\n") + 4);
  // Text, binary, and a fragmented text message with a ping in between.
  c->write(wsClientFrame(1, "hello") + wsClientFrame(2, std::string("\x00\x01", 2)) + wsClientFrame(1, "frag", false) +
           wsClientFrame(9, "pp") + wsClientFrame(0, "ment"));
  CHECK(f.pump([&] { return f.worker.count(3) == 3; }));
  CHECK_EQ(f.worker.events[2].payload, std::string("hello"));
  CHECK_EQ(int(f.worker.events[2].flags >> 4), 0);
  CHECK_EQ(int(f.worker.events[3].flags >> 4), 1);
  CHECK_EQ(f.worker.events[4].payload, std::string("fragment"));
  WsFrame pong;
  CHECK(f.pump([&] { return c->received.size() >= 4; }));
  CHECK(frameIn(c, &pong));
  CHECK_EQ(int(pong.opcode), 0xA);
  CHECK_EQ(pong.payload, std::string("pp"));
  f.worker.sendTo(id, "to you");
  f.worker.sendTo(id, std::string("\x01\x02", 2), 0x02);
  CHECK(f.pump([&] { return c->received.size() >= 12; }));
  WsFrame m1, m2;
  CHECK(frameIn(c, &m1) && frameIn(c, &m2));
  CHECK_EQ(int(m1.opcode), 1);
  CHECK_EQ(m1.payload, std::string("to you"));
  CHECK_EQ(int(m2.opcode), 2);
  CHECK_EQ(f.engine->stats().bytesOut, uint64_t(8 + 4));
}

TEST(client_close_is_echoed_then_the_socket_ends) {
  WsFixture f;
  std::string id;
  Client* c = f.upgraded(&id);
  std::string payload;
  putU16BE(payload, 4000);
  payload += "bye";
  c->write(wsClientFrame(8, payload));
  CHECK(f.pump([&] { return c->eof; }));
  WsFrame echo;
  CHECK(frameIn(c, &echo));
  CHECK_EQ(int(echo.opcode), 8);
  CHECK_EQ(echo.payload, payload);
  c->close();
  CHECK(f.pump([&] { return f.worker.count(4) == 1; }));
  if (f.worker.count(4) == 1) CHECK_EQ(f.worker.last(4)->payload, std::string("client closed"));
}

TEST(server_close_sends_1000_and_waits_for_the_answer) {
  WsFixture f;
  std::string id;
  Client* c = f.upgraded(&id);
  f.worker.command(5, 4, "\"" + id + "\"", "last words");
  CHECK(f.pump([&] { return c->received.size() >= 16; }));
  WsFrame last, close;
  CHECK(frameIn(c, &last) && frameIn(c, &close));
  CHECK_EQ(last.payload, std::string("last words"));
  CHECK_EQ(int(close.opcode), 8);
  CHECK_EQ(close.payload, std::string("\x03\xe8", 2));
  // Sends after the close frame go nowhere.
  f.worker.sendTo(id, "too late");
  std::string answer;
  putU16BE(answer, 1000);
  c->write(wsClientFrame(8, answer));
  CHECK(f.pump([&] { return c->eof; }));
  CHECK(c->received.empty());
  c->close();
  CHECK(f.pump([&] { return f.worker.count(4) == 1; }));
  if (f.worker.count(4) == 1) CHECK_EQ(f.worker.last(4)->payload, std::string("closed by server"));
}

TEST(protocol_errors_close_with_ws_codes) {
  WsFixture f;
  std::string id1, id2, id3;
  Client* unmasked = f.upgraded(&id1);
  Client* big = f.upgraded(&id2);
  Client* badUtf8 = f.upgraded(&id3);
  unmasked->write(wsClientFrame(1, "x", true, false));
  big->write(wsClientFrame(2, std::string(1001, 'b')));
  badUtf8->write(wsClientFrame(1, "\xff\xfe"));
  CHECK(f.pump([&] { return unmasked->received.size() >= 4 && big->received.size() >= 4 && badUtf8->received.size() >= 4; }));
  WsFrame a, b, c;
  CHECK(frameIn(unmasked, &a) && frameIn(big, &b) && frameIn(badUtf8, &c));
  CHECK_EQ(a.payload.substr(0, 2), std::string("\x03\xea", 2));  // 1002
  CHECK_EQ(b.payload.substr(0, 2), std::string("\x03\xf1", 2));  // 1009
  CHECK_EQ(c.payload.substr(0, 2), std::string("\x03\xef", 2));  // 1007
  // As ws after a receiver error: the FIN follows the close frame, no answer awaited.
  CHECK(f.pump([&] { return unmasked->eof && big->eof && badUtf8->eof; }, 1000));
  unmasked->close();
  big->close();
  badUtf8->close();
  CHECK(f.pump([&] { return f.worker.count(4) == 3; }));
  std::string reasons;
  for (const Event& e : f.worker.events) {
    if (e.kind == 4) reasons += e.payload + "|";
  }
  CHECK(reasons.find("invalid websocket frame: Invalid WebSocket frame: MASK must be set|") != std::string::npos);
  CHECK(reasons.find("message too large (limit 1000 bytes)|") != std::string::npos);
  CHECK(reasons.find("invalid websocket frame: ") != std::string::npos);
  EngineStatsSnapshot s = f.engine->stats();
  CHECK_EQ(s.tooLarge, uint64_t(1));
  CHECK_EQ(s.framingErrors, uint64_t(2));
}

TEST(static_routes_healthz_keep_alive_and_bad_requests) {
  WsFixture f;
  Client* c = f.connect();
  c->write("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(f.pump([&] { return c->received.find("{\"status\":\"ok\"}") != std::string::npos; }));
  CHECK(c->received.find("HTTP/1.1 200 OK\r\n") == 0);
  CHECK(c->received.find("<h1>hi</h1>") != std::string::npos);
  CHECK(!c->eof);
  c->write("GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(f.pump([&] { return c->eof; }));
  CHECK(c->received.find("HTTP/1.1 404") != std::string::npos);
  Client* bad = f.connect();
  bad->write("NOT HTTP AT ALL\r\n\r\n");
  CHECK(f.pump([&] { return bad->eof; }));
  CHECK(bad->received.find("HTTP/1.1 400 Bad Request\r\n") == 0);
  Client* noKey = f.connect();
  noKey->write("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n");
  CHECK(f.pump([&] { return noKey->eof; }));
  CHECK(noKey->received.find("HTTP/1.1 400") == 0);
  CHECK_EQ(f.engine->stats().connectionsAccepted, uint64_t(0));
  CHECK_EQ(f.worker.events.size(), size_t(0));
}

TEST(upgrades_are_refused_with_503_when_overloaded) {
  EngineOptions o;
  o.maxUnackedEvents = 2;
  WsFixture f(o);
  // Four events held (connect + websocket-connect twice, never acked): 2 × maxUnackedEvents.
  for (int i = 0; i < 2; i++) {
    Client* c = f.connect();
    c->write(upgradeRequest());
  }
  CHECK(f.pump([&] { return f.worker.count(2) == 2; }));
  Client* refused = f.connect();
  refused->write(upgradeRequest());
  CHECK(f.pump([&] { return refused->eof; }));
  CHECK(refused->received.find("HTTP/1.1 503 Service Unavailable\r\n") == 0);
  CHECK_EQ(f.engine->stats().connectionsRefused, uint64_t(1));
}
