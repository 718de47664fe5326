// Listening and the engine's life: two Engines sharing a port (SO_REUSEPORT),
// EMFILE shedding with the reserved fd (in a forked child with a low
// RLIMIT_NOFILE), IPv6, start failures leaving nothing bound, stop primitives,
// link handshake failures, connection rows.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#include "engine/engine.h"
#include "support/peers.h"
#include "harness.h"

using namespace gh;
using namespace gh::testing;

namespace {

std::string tempDir() {
  char tmpl[] = "/tmp/gh-engine-listen-XXXXXX";
  return mkdtemp(tmpl);
}

EngineOptions textOptions(const std::string& dir, int port = 0, const char* linkName = "gateway-0.sock") {
  EngineOptions o;
  o.gatewayId = "aaaaaaaaaaaa";
  ListenerSpec text;
  text.name = "text";
  text.host = "127.0.0.1";
  text.port = port;
  o.listeners = {text};
  o.linkPath = dir + "/" + linkName;
  return o;
}

bool runFor(Engine& e, uint64_t ms, const std::function<bool()>& done = [] { return false; }) {
  return pump(e, [] {}, done, ms);
}

}  // namespace

TEST(two_engines_share_one_port) {
  std::string dir = tempDir();
  Engine a(textOptions(dir));
  BoundAddresses ba, bb;
  std::string error;
  CHECK(a.start(&ba, &error));
  int port = ba.listeners[0].port;
  Engine b(textOptions(dir, port, "gateway-1.sock"));
  CHECK(b.start(&bb, &error));
  CHECK_EQ(bb.listeners[0].port, port);
  // The kernel spreads connections over both (hashed by the client's port): with 40 both get some.
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 40; i++) {
    clients.push_back(std::make_unique<Client>());
    CHECK(clients.back()->connect("127.0.0.1", port));
  }
  uint64_t start = monotonicMs();
  while (a.connectionCount() + b.connectionCount() < 40 && monotonicMs() - start < 3000) {
    a.run();
    b.run();
    usleep(1000);
  }
  CHECK_EQ(a.connectionCount() + b.connectionCount(), size_t(40));
  CHECK(a.connectionCount() > 0);
  CHECK(b.connectionCount() > 0);
  rmdir(dir.c_str());
}

TEST(emfile_sheds_connections_without_spinning) {
  // valgrind emulates RLIMIT_NOFILE with its own fd table: accept never sees EMFILE there.
  if (RUNNING_ON_VALGRIND) return;
  int pipefd[2], done[2];
  CHECK(pipe(pipefd) == 0);
  CHECK(pipe(done) == 0);
  std::string dir = tempDir();
  pid_t pid = fork();
  if (pid == 0) {
    close(pipefd[0]);
    close(done[1]);
    int code = 0;
    {
      Engine e(textOptions(dir));
      BoundAddresses b;
      std::string error;
      if (!e.start(&b, &error)) _exit(10);
      int port = b.listeners[0].port;
      // Room for exactly two more fds: two clients, then every accept is EMFILE.
      // The limit bounds fd numbers: the lowest free one plus two.
      int probe = ::open("/dev/null", O_RDONLY);
      ::close(probe);
      rlimit lim;
      getrlimit(RLIMIT_NOFILE, &lim);
      lim.rlim_cur = static_cast<rlim_t>(probe) + 2;
      if (setrlimit(RLIMIT_NOFILE, &lim) != 0) _exit(11);
      if (write(pipefd[1], &port, sizeof port) != sizeof port) _exit(12);
      runFor(e, 5000, [&] { return e.stats().connectionsRefused + e.connectionCount() >= 8; });
      // The backlog is drained: nothing keeps the epoll fd ready (no spin).
      runFor(e, 50);
      pollfd p{e.pollFd(), POLLIN, 0};
      bool busy = ::poll(&p, 1, 100) > 0;
      EngineStatsSnapshot s = e.stats();
      uint64_t out[3] = {s.connections, s.connectionsRefused, busy ? 1u : 0u};
      if (write(pipefd[1], out, sizeof out) != sizeof out) code = 13;
      char byte;
      if (read(done[0], &byte, 1) != 1) code = 14;  // the accepted ones stay open until the parent looked
    }
    _exit(code);
  }
  close(pipefd[1]);
  int port = 0;
  CHECK(read(pipefd[0], &port, sizeof port) == sizeof port);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 8; i++) {
    clients.push_back(std::make_unique<Client>());
    clients.back()->connect("127.0.0.1", port);
  }
  uint64_t out[3] = {0, 0, 1};
  CHECK(read(pipefd[0], out, sizeof out) == sizeof out);
  // The limit bounds fd numbers, not counts (gaps below it may take a client or two more).
  CHECK_EQ(out[0] + out[1], uint64_t(8));
  CHECK(out[0] >= 2 && out[0] <= 4);
  CHECK_EQ(out[2], uint64_t(0));
  // The shed ones were closed at once.
  size_t closed = 0;
  for (auto& c : clients) {
    for (int i = 0; i < 100 && !c->eof; i++) {
      c->poll();
      usleep(1000);
    }
    closed += c->eof;
  }
  CHECK_EQ(closed, size_t(out[1]));
  CHECK(write(done[1], "x", 1) == 1);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(pipefd[0]);
  close(done[0]);
  close(done[1]);
  rmdir(dir.c_str());
}

TEST(ipv6_listener_reports_the_peer) {
  std::string dir = tempDir();
  EngineOptions o = textOptions(dir);
  o.listeners[0].host = "::1";
  Engine e(o);
  BoundAddresses b;
  std::string error;
  if (!e.start(&b, &error)) {
    // No IPv6 on this machine: nothing to test.
    CHECK(error.find("listener text: listen ::1:0") == 0);
    rmdir(dir.c_str());
    return;
  }
  Client c;
  CHECK(c.connect("::1", b.listeners[0].port));
  CHECK(runFor(e, 2000, [&] { return e.connectionCount() == 1; }));
  std::string rows = e.connectionsJson(0, "");
  CHECK(rows.find("\"remoteAddress\":\"::1\"") != std::string::npos);
  rmdir(dir.c_str());
}

TEST(start_failure_leaves_nothing_bound) {
  std::string dir = tempDir();
  Engine first(textOptions(dir));
  BoundAddresses b1;
  std::string error;
  CHECK(first.start(&b1, &error));
  // Second listener on a port a non-reuseport socket holds: start fails, the first listener is released.
  int blocker = -1, blockerPort = 0;
  {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd, 1);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    blocker = fd;
    blockerPort = ntohs(a.sin_port);
  }
  EngineOptions o = textOptions(dir, 0, "gateway-1.sock");
  ListenerSpec second = o.listeners[0];
  second.name = "second";
  second.port = blockerPort;
  o.listeners.push_back(second);
  {
    Engine e(o);
    BoundAddresses b;
    CHECK(!e.start(&b, &error));
    CHECK(error.find("listener second: listen 127.0.0.1:") == 0);
    CHECK(error.find("Address already in use") != std::string::npos);
  }
  struct stat st;
  CHECK(stat((dir + "/gateway-1.sock").c_str(), &st) != 0);
  // The same link path as a live engine: refused.
  Engine dup(textOptions(dir));
  BoundAddresses b2;
  CHECK(!dup.start(&b2, &error));
  CHECK(error.find("another process is already accepting worker links on ") == 0);
  // TCP links need a secret.
  EngineOptions tcp = textOptions(dir, 0, "gateway-2.sock");
  tcp.linkHost = "127.0.0.1";
  Engine t(tcp);
  CHECK(!t.start(&b2, &error));
  CHECK(error.find("secretKey") != std::string::npos);
  close(blocker);
  rmdir(dir.c_str());
}

TEST(stop_primitives_close_clients_then_links) {
  std::string dir = tempDir();
  EngineOptions o = textOptions(dir);
  auto e = std::make_unique<Engine>(o);
  BoundAddresses b;
  std::string error;
  CHECK(e->start(&b, &error));
  FakeWorker w;
  CHECK(w.connectUnix(b.linkPath));
  std::vector<std::unique_ptr<Client>> cs;
  auto pollAll = [&] {
    w.poll();
    for (auto& c : cs) c->poll();
  };
  CHECK(pump(*e, pollAll, [&] { return w.open; }));
  w.credit(100);
  for (int i = 0; i < 3; i++) {
    cs.push_back(std::make_unique<Client>());
    cs.back()->connect("127.0.0.1", b.listeners[0].port);
  }
  CHECK(pump(*e, pollAll, [&] { return w.count(1) == 3; }));
  w.ackAll();
  std::vector<ControlEvent> events = e->takeEvents();
  bool sawOpen = false;
  for (const ControlEvent& ev : events) sawOpen |= ev.type == ControlEvent::Type::LinkOpen && ev.workerId == "w1" && ev.pid == 4242;
  CHECK(sawOpen);
  e->stopAccepting();
  Client late;
  CHECK(!late.connect("127.0.0.1", b.listeners[0].port));
  struct stat st;
  CHECK(stat(b.linkPath.c_str(), &st) != 0);
  e->setReadsHeld(true);
  CHECK_EQ(e->closeClients(2, "gateway stopping", 1001), size_t(1));
  // The closed ones see FIN; when they close, their close events reach the worker.
  CHECK(pump(*e, pollAll, [&] { return cs[0]->eof && cs[1]->eof; }));
  cs[0]->close();
  cs[1]->close();
  CHECK(pump(*e, pollAll, [&] { return w.count(4) == 2; }));
  CHECK_EQ(w.last(4)->payload, std::string("gateway stopping"));
  CHECK_EQ(e->trackedCount(), size_t(3));
  w.ackAll();
  CHECK(pump(*e, pollAll, [&] { return e->trackedCount() == 1; }));
  e->destroyAll("gateway stopping");
  CHECK(pump(*e, pollAll, [&] { return w.count(4) == 3 && cs[2]->eof; }));
  e->closeLinks("gateway stopping");
  CHECK(pump(*e, pollAll, [&] { return w.eof_; }));
  CHECK(pump(*e, pollAll, [&] { return e->linkCount() == 0; }));
  bool sawClose = false;
  for (const ControlEvent& ev : e->takeEvents()) sawClose |= ev.type == ControlEvent::Type::LinkClose;
  CHECK(sawClose);
  e.reset();
  rmdir(dir.c_str());
}

TEST(link_handshake_failures) {
  std::string dir = tempDir();
  EngineOptions o = textOptions(dir);
  o.handshakeTimeoutMs = 100;
  o.secret = "s3cret";
  Engine e(o);
  BoundAddresses b;
  std::string error;
  CHECK(e.start(&b, &error));
  FakeWorker wrong("not the secret");
  CHECK(wrong.connectUnix(b.linkPath));
  FakeWorker silent;
  silent.connectUnix(b.linkPath);
  int silentFd = silent.fd();
  std::string silentIn;
  bool silentEof = false;
  CHECK(pump(e, [&] {
    wrong.poll();
    drainSocket(silentFd, &silentIn, &silentEof);
  }, [&] { return wrong.eof_ && silentEof; }));
  CHECK(wrong.rejected);
  CHECK_EQ(wrong.rejectReason, std::string("authentication failed"));
  CHECK(silentIn.find("handshake not finished within 100 ms") != std::string::npos);
  CHECK_EQ(e.linkCount(), size_t(0));
  CHECK_EQ(e.stats().linkErrors, uint64_t(2));
  FakeWorker right("s3cret");
  CHECK(right.connectUnix(b.linkPath));
  CHECK(pump(e, [&] { right.poll(); }, [&] { return right.open && e.linkCount() == 1; }));
  rmdir(dir.c_str());
}

TEST(tcp_link_listener_with_a_secret) {
  std::string dir = tempDir();
  EngineOptions o = textOptions(dir);
  o.linkHost = "127.0.0.1";
  o.linkPort = 0;
  o.secret = "k";
  Engine e(o);
  BoundAddresses b;
  std::string error;
  CHECK(e.start(&b, &error));
  CHECK(b.linkPort > 0);
  FakeWorker w("k");
  CHECK(w.connectTcp("127.0.0.1", b.linkPort));
  CHECK(pump(e, [&] { w.poll(); }, [&] { return w.open && e.linkCount() == 1; }));
  bool tcp = false;
  for (const ControlEvent& ev : e.takeEvents()) tcp |= ev.type == ControlEvent::Type::LinkOpen && ev.transport == "tcp";
  CHECK(tcp);
  // The worker goes away: the link closes with the JS engine's reason.
  w.close();
  CHECK(pump(e, [] {}, [&] { return e.linkCount() == 0; }));
  std::string reason;
  for (const ControlEvent& ev : e.takeEvents()) {
    if (ev.type == ControlEvent::Type::LinkClose) reason = ev.reason;
  }
  CHECK_EQ(reason, std::string("the worker closed the link"));
  rmdir(dir.c_str());
}
