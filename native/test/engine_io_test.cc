// A real Engine in the test process, driven with real client sockets and a fake
// worker over the Unix link: events to the worker, commands to clients, corking,
// close reasons.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "engine/engine.h"
#include "support/peers.h"
#include "harness.h"

using namespace gh;
using namespace gh::testing;

namespace {

struct Fixture {
  std::string dir;
  std::unique_ptr<Engine> engine;
  BoundAddresses bound;
  FakeWorker worker;
  std::vector<Client*> clients;

  explicit Fixture(EngineOptions options = {}, bool withWorker = true) {
    char tmpl[] = "/tmp/gh-engine-io-XXXXXX";
    dir = mkdtemp(tmpl);
    chmod(dir.c_str(), 0700);
    if (options.gatewayId.empty()) options.gatewayId = "0123456789ab";
    if (options.listeners.empty()) {
      ListenerSpec text;
      text.name = "text";
      text.protocol = ListenerProtocol::Text;
      text.host = "127.0.0.1";
      ListenerSpec ws;
      ws.name = "ws";
      ws.protocol = ListenerProtocol::WebSocket;
      ws.host = "127.0.0.1";
      ws.staticRoutes.push_back(StaticRouteSpec{"/", "text/html; charset=utf-8", "<h1>hi</h1>"});
      options.listeners = {text, ws};
    }
    options.linkPath = dir + "/gateway-0.sock";
    options.pid = 77;
    engine = std::make_unique<Engine>(options);
    std::string error;
    started = engine->start(&bound, &error);
    startError = error;
    if (started && withWorker) {
      worker.connectUnix(bound.linkPath);
      pump([&] { return worker.open; });
      worker.credit(1000);
      pump([&] { return engine->linkCount() == 1; });
    }
  }
  ~Fixture() {
    engine.reset();
    rmdir(dir.c_str());
  }
  int port(size_t i = 0) const { return bound.listeners[i].port; }
  bool pump(const std::function<bool()>& done, uint64_t timeoutMs = 3000) {
    return gh::testing::pump(
        *engine,
        [&] {
          worker.poll();
          for (Client* c : clients) c->poll();
        },
        done, timeoutMs);
  }
  Client* connect(size_t listener = 0) {
    auto* c = new Client();
    c->connect("127.0.0.1", port(listener));
    clients.push_back(c);
    owned.emplace_back(c);
    return c;
  }
  bool started = false;
  std::string startError;
  std::vector<std::unique_ptr<Client>> owned;
};

}  // namespace

TEST(events_reach_the_worker_and_commands_reach_the_client) {
  Fixture f;
  CHECK(f.started);
  CHECK(f.worker.open);
  Client* c = f.connect();
  CHECK(f.pump([&] { return f.worker.count(1) == 1; }));
  CHECK(f.worker.last(1) != nullptr);
  if (f.worker.last(1) == nullptr) return;
  const Event connectEvent = *f.worker.last(1);
  const Event* connect = &connectEvent;
  CHECK_EQ(connect->clientId.substr(0, 12), std::string("0123456789ab"));
  CHECK(connect->info.find("\"remoteAddress\":\"127.0.0.1\"") != std::string::npos);
  c->write("hello\nworld\r\n");
  CHECK(f.pump([&] { return f.worker.count(3) == 2; }));
  CHECK_EQ(f.worker.events.back().payload, std::string("world"));
  f.worker.ackAll();
  f.worker.sendTo(connect->clientId, "hi there");
  CHECK(f.pump([&] { return c->received == "hi there\n"; }));
  EngineStatsSnapshot s = f.engine->stats();
  CHECK_EQ(s.connections, uint64_t(1));
  CHECK_EQ(s.messagesIn, uint64_t(2));
  CHECK_EQ(s.messagesOut, uint64_t(1));
  CHECK_EQ(s.bytesIn, uint64_t(13));
  CHECK_EQ(s.bytesOut, uint64_t(9));
  c->close();
  CHECK(f.pump([&] { return f.worker.count(4) == 1; }));
  CHECK_EQ(f.worker.last(4)->payload, std::string("client closed"));
  CHECK_EQ(f.engine->connectionCount(), size_t(0));
}

namespace {
// Connects n text clients and returns their ids (in connection order).
std::vector<std::string> connectMany(Fixture& f, size_t n, std::vector<Client*>* out) {
  size_t before = f.worker.count(1);
  for (size_t i = 0; i < n; i++) out->push_back(f.connect());
  f.pump([&] { return f.worker.count(1) == before + n; });
  std::vector<std::string> ids;
  for (const Event& e : f.worker.events) {
    if (e.kind == 1) ids.push_back(e.clientId);
  }
  f.worker.ackAll();
  return std::vector<std::string>(ids.end() - n, ids.end());
}
}  // namespace

TEST(broadcast_with_exclude_and_group_send) {
  Fixture f;
  std::vector<Client*> cs;
  std::vector<std::string> ids = connectMany(f, 3, &cs);
  CHECK_EQ(ids.size(), size_t(3));
  if (ids.size() != 3) return;
  f.worker.command(2, 0, "{\"x\":[\"" + ids[1] + "\"]}", "all-but-1");
  CHECK(f.pump([&] { return cs[0]->received.size() > 0 && cs[2]->received.size() > 0; }));
  f.worker.command(9, 0, "[\"" + ids[1] + "\",\"room\"]", "");
  f.worker.command(9, 0, "[\"" + ids[2] + "\",\"room\"]", "");
  f.worker.command(4, 0, "{\"g\":[\"room\"],\"x\":[\"" + ids[2] + "\"]}", "room-msg");
  CHECK(f.pump([&] { return cs[1]->received.size() > 0; }));
  f.pump([] { return false; }, 50);
  CHECK_EQ(cs[0]->received, std::string("all-but-1\n"));
  CHECK_EQ(cs[1]->received, std::string("room-msg\n"));
  CHECK_EQ(cs[2]->received, std::string("all-but-1\n"));
}

TEST(one_write_per_socket_per_flush_for_100_sends) {
  Fixture f;
  std::vector<Client*> cs;
  std::vector<std::string> ids = connectMany(f, 1, &cs);
  if (ids.empty()) return;
  // All 100 commands in one link write: one run() reads them, one flush() writes the socket once.
  std::string frames;
  for (int i = 0; i < 100; i++) {
    appendFrame(frames, 0x20, commandBody(1, 0, "\"" + ids[0] + "\"", "m" + std::to_string(i)));
  }
  uint64_t writesBefore = f.engine->stats().writes;
  f.worker.sendRaw(frames);  // small: the socket takes it whole, one read gets it all
  std::string expected;
  for (int i = 0; i < 100; i++) expected += "m" + std::to_string(i) + "\n";
  CHECK(f.pump([&] { return cs[0]->received == expected; }));
  CHECK_EQ(f.engine->stats().writes - writesBefore, uint64_t(1));
  CHECK_EQ(f.engine->stats().messagesOut, uint64_t(100));
}

// slowConsumerDrops of the row of `id` in connectionsJson text; -1: no such row.
static int64_t rowDrops(const std::string& rows, const std::string& id) {
  size_t at = rows.find("\"clientId\":\"" + id + "\"");
  if (at == std::string::npos) return -1;
  const std::string key = "\"slowConsumerDrops\":";
  at = rows.find(key, at);
  if (at == std::string::npos) return -1;
  return std::strtoll(rows.c_str() + at + key.size(), nullptr, 10);
}

TEST(a_client_that_does_not_read_gets_partial_writes_then_drops) {
  EngineOptions o;
  o.sendBufferSize = 256 * 1024;
  Fixture f(o);
  std::vector<Client*> cs;
  std::vector<std::string> ids = connectMany(f, 2, &cs);
  if (ids.size() != 2) return;
  cs[0]->noRead = true;
  std::string chunk(60000, 'x');
  // cs[0] does not read: the kernel fills, the engine queues (EAGAIN), then drops past the bound.
  for (int i = 0; i < 200; i++) {
    f.worker.sendTo(ids[0], chunk);
    f.worker.sendTo(ids[1], "ok" + std::to_string(i));
    f.pump([] { return false; }, 5);
  }
  std::string expected;
  for (int i = 0; i < 200; i++) expected += "ok" + std::to_string(i) + "\n";
  CHECK(f.pump([&] {
    cs[1]->poll();
    return cs[1]->received == expected;
  }));
  EngineStatsSnapshot s = f.engine->stats();
  CHECK(s.slowConsumerDrops > 0);
  CHECK_EQ(s.slowConsumerCloses, uint64_t(0));
  CHECK_EQ(s.connections, uint64_t(2));
  std::string rows = f.engine->connectionsJson(0, "");
  CHECK(rows.find("\"sendQueueBytes\":0") != std::string::npos);   // cs[1]
  CHECK(rows.find("\"sendQueueBytes\":2") != std::string::npos);   // cs[0]: ~256 KiB queued
  // Counted per connection: every drop was cs[0]'s, none its healthy neighbour's.
  CHECK_EQ(rowDrops(rows, ids[0]), int64_t(s.slowConsumerDrops));
  CHECK_EQ(rowDrops(rows, ids[1]), int64_t(0));
  // Now read everything: the queued bytes arrive whole and in order.
  size_t drops = s.slowConsumerDrops;
  size_t delivered = 200 - drops;
  cs[0]->noRead = false;
  CHECK(f.pump([&] {
    return cs[0]->received.size() == delivered * (chunk.size() + 1);
  }, 5000));
  CHECK(cs[0]->received.find_first_not_of("x\n") == std::string::npos);
}

TEST(slow_consumer_close_policy_destroys) {
  EngineOptions o;
  o.sendBufferSize = 100 * 1024;
  o.slowConsumerClose = true;
  Fixture f(o);
  std::vector<Client*> cs;
  std::vector<std::string> ids = connectMany(f, 1, &cs);
  if (ids.empty()) return;
  cs[0]->noRead = true;
  std::string chunk(50000, 'y');
  for (int i = 0; i < 400 && f.worker.count(4) == 0; i++) {
    f.worker.sendTo(ids[0], chunk);
    f.pump([] { return false; }, 5);
  }
  CHECK(f.pump([&] { return f.worker.count(4) == 1; }));
  if (f.worker.count(4) == 1) CHECK_EQ(f.worker.last(4)->payload, std::string("slow consumer"));
  CHECK_EQ(f.engine->stats().slowConsumerCloses, uint64_t(1));
}

TEST(heartbeat_timeout_and_ping_data) {
  EngineOptions o;
  o.pingIntervalMs = 100;
  o.pingNotResponseLimit = 3;
  o.pingData = "ping";
  Fixture f(o);
  std::vector<Client*> cs;
  std::vector<std::string> ids = connectMany(f, 2, &cs);
  if (ids.size() != 2) return;
  // cs[1] keeps talking; cs[0] is silent and gets pings, then is closed.
  uint64_t start = monotonicMs(), lastWrite = start;
  CHECK(f.pump([&] {
    if (monotonicMs() - lastWrite >= 40) {
      cs[1]->write("alive\n");
      lastWrite = monotonicMs();
    }
    f.worker.ackAll();
    return f.worker.count(4) == 1;
  }, 2000));
  uint64_t took = monotonicMs() - start;
  CHECK(took >= 280 && took < 1500);  // 3 intervals, a tick late at most (loose: a shared machine)
  CHECK_EQ(f.worker.last(4)->payload, std::string("heartbeat timeout"));
  CHECK_EQ(f.worker.last(4)->clientId, ids[0]);
  CHECK(cs[0]->received == "ping\nping\n" || cs[0]->received == "ping\n" || cs[0]->received == "ping\nping\nping\n");
  CHECK_EQ(f.engine->stats().heartbeatCloses, uint64_t(1));
  CHECK_EQ(f.engine->connectionCount(), size_t(1));
}

TEST(malformed_input_closes_only_that_socket) {
  EngineOptions o;
  ListenerSpec text;
  text.name = "text";
  text.host = "127.0.0.1";
  text.maxMessageSize = 16;
  ListenerSpec json;
  json.name = "json";
  json.protocol = ListenerProtocol::Json;
  json.host = "127.0.0.1";
  ListenerSpec frame;
  frame.name = "frame";
  frame.protocol = ListenerProtocol::Frame;
  frame.host = "127.0.0.1";
  frame.frameHeaderSize = 2;
  frame.frameLengthIncludesHeader = true;
  o.listeners = {text, json, frame};
  Fixture f(o);
  Client* big = f.connect(0);
  Client* ok = f.connect(0);
  Client* js = f.connect(1);
  Client* fr = f.connect(2);
  CHECK(f.pump([&] { return f.worker.count(1) == 4; }));
  big->write("0123456789abcdefXYZ");
  // Ended gracefully: FIN, then the close event once the client closes too.
  CHECK(f.pump([&] { return big->eof; }));
  big->close();
  CHECK(f.pump([&] { return f.worker.count(4) == 1; }));
  if (f.worker.count(4) == 1) CHECK_EQ(f.worker.last(4)->payload, std::string("message too large (limit 16 bytes)"));
  js->write("{\"a\":1}\nnot json\n\n[2]\n");
  CHECK(f.pump([&] { return f.worker.count(3) == 2 && !js->received.empty(); }));
  CHECK(js->received.find("{\"error\":\"invalid json\",\"message\":\"invalid JSON: ") == 0);
  CHECK_EQ(f.engine->stats().invalidJson, uint64_t(1));
  std::string bad;
  putU16BE(bad, 1);  // less than the 2-byte header it includes
  fr->write(bad);
  CHECK(f.pump([&] { return fr->eof; }));
  fr->close();
  CHECK(f.pump([&] { return f.worker.count(4) == 2; }));
  if (f.worker.count(4) == 2) CHECK(f.worker.last(4)->payload.find("malformed frame: length 1 is less than the 2-byte header") == 0);
  ok->write("still\n");
  CHECK(f.pump([&] { return f.worker.count(3) == 3; }));
  EngineStatsSnapshot s = f.engine->stats();
  CHECK_EQ(s.tooLarge, uint64_t(1));
  CHECK_EQ(s.framingErrors, uint64_t(1));
  CHECK_EQ(s.connections, uint64_t(2));
}

TEST(close_client_command_sends_then_fin_and_destroy_resets) {
  Fixture f;
  std::vector<Client*> cs;
  std::vector<std::string> ids = connectMany(f, 2, &cs);
  if (ids.size() != 2) return;
  f.worker.command(5, 4, "\"" + ids[0] + "\"", "bye");
  CHECK(f.pump([&] { return cs[0]->eof; }));
  CHECK_EQ(cs[0]->received, std::string("bye\n"));
  cs[0]->close();
  CHECK(f.pump([&] { return f.worker.count(4) == 1; }));
  CHECK_EQ(f.worker.last(4)->payload, std::string("closed by server"));
  f.worker.command(6, 0, "\"" + ids[1] + "\"", "");
  CHECK(f.pump([&] { return f.worker.count(4) == 2; }));
  CHECK_EQ(f.worker.last(4)->payload, std::string("destroyed by server"));
  CHECK(f.pump([&] { return cs[1]->eof; }));
}

TEST(a_peer_reset_is_a_connection_error) {
  Fixture f;
  std::vector<Client*> cs;
  std::vector<std::string> ids = connectMany(f, 1, &cs);
  if (ids.empty()) return;
  // Unread bytes at close make the kernel send RST; the next write sees EPIPE/ECONNRESET.
  cs[0]->reset();
  f.pump([] { return false; }, 20);
  f.worker.sendTo(ids[0], "after reset");
  CHECK(f.pump([&] { return f.worker.count(4) == 1; }));
  const std::string& reason = f.worker.last(4)->payload;
  CHECK_EQ(reason, std::string("connection error: ECONNRESET"));
}

TEST(reads_pause_while_too_many_events_are_held_and_resume) {
  EngineOptions o;
  o.maxUnackedEvents = 10;
  Fixture f(o);
  std::vector<Client*> cs;
  std::vector<std::string> ids = connectMany(f, 1, &cs);
  if (ids.empty()) return;
  // More than one read's worth: the first chunk is framed whole, then reading stops.
  std::string lines;
  for (int i = 0; i < 20000; i++) lines += "line" + std::to_string(i) + "\n";
  cs[0]->write(lines);
  CHECK(f.pump([&] { return f.engine->stats().readsPaused; }));
  f.pump([] { return false; }, 50);
  size_t heard = f.worker.count(3);
  CHECK(heard < 20000);
  bool paused = false;
  for (const ControlEvent& e : f.engine->takeEvents()) paused |= e.type == ControlEvent::Type::ReadsPaused;
  CHECK(paused);
  // Acks bring the held count down: reading resumes and every line arrives, in order.
  CHECK(f.pump([&] {
    f.worker.ackAll();
    return f.worker.count(3) == 20000;
  }, 10000));
  std::string joined;
  for (const Event& e : f.worker.events) {
    if (e.kind == 3) joined += e.payload + "\n";
  }
  CHECK(joined == lines);
  CHECK(f.engine->stats().readPauses >= 1);
}

TEST(an_idle_connection_holds_no_heap_buffers) {
  Fixture f;
  std::vector<Client*> cs;
  std::vector<std::string> ids = connectMany(f, 1, &cs);
  if (ids.empty()) return;
  // A large message, written and gone: the output and input storage is released.
  f.worker.sendTo(ids[0], std::string(300000, 'z'));
  CHECK(f.pump([&] { return cs[0]->received.size() == 300001; }));
  cs[0]->write(std::string(100000, 'q') + "\n");
  CHECK(f.pump([&] { return f.worker.count(3) == 1; }));
  std::string rows = f.engine->connectionsJson(0, "text");
  CHECK(rows.find("\"sendQueueBytes\":0") != std::string::npos);
  CHECK(rows.find("\"bytesOut\":300001") != std::string::npos);
  CHECK(rows.find("\"listener\":\"text\"") != std::string::npos);
  CHECK_EQ(f.engine->connectionsJson(0, "ws"), std::string("[]"));
}

TEST(one_busy_socket_does_not_starve_the_others) {
  Fixture f;
  std::vector<Client*> cs;
  std::vector<std::string> ids = connectMany(f, 2, &cs);
  if (ids.size() != 2) return;
  f.pump([] { return false; }, 20);
  uint64_t before = f.engine->stats().bytesIn;
  // About 190 KB: several bounded reads (64 KiB) of one socket, and few enough
  // lines that the rest of the test stays short under valgrind on a busy machine.
  std::string flood;
  for (int i = 0; i < 20000; i++) flood += "flood" + std::to_string(i) + "\n";
  cs[0]->noRead = true;  // keep pump() from writing the rest behind our back
  cs[0]->write(flood);
  cs[1]->write("me too\n");
  usleep(50 * 1000);
  // One run: one bounded read per socket, both heard.
  f.engine->run();
  uint64_t got = f.engine->stats().bytesIn - before;
  CHECK(got <= 64 * 1024 + 7);
  CHECK(got >= 7 + 1);
  std::string rows = f.engine->connectionsJson(0, "");
  CHECK(rows.find("\"bytesIn\":7,") != std::string::npos);
  cs[0]->noRead = false;
  CHECK(f.pump([&] {
    f.worker.ackAll();
    return f.worker.count(3) == 20001;
  }, 20000));
}
