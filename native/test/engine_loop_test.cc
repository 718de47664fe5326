// The engine's plumbing on its own: timer wheel, listening sockets (SO_REUSEPORT,
// IPv6, Unix), the reserved-fd acceptor, output buffers against a real socket.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <cerrno>
#include <cstring>
#include <unistd.h>

#include <vector>

#include "engine/out_buffer.h"
#include "engine/poller.h"
#include "engine/sockets.h"
#include "engine/timer_wheel.h"
#include "harness.h"

using namespace gh;

namespace {
struct Fired {
  std::vector<int> order;
};
struct Probe {
  TimerNode node;
  int id;
  Fired* log;
  TimerWheel* wheel = nullptr;
  Probe* cancelOnFire = nullptr;
};
void fireProbe(TimerNode*, void* owner) {
  auto* p = static_cast<Probe*>(owner);
  p->log->order.push_back(p->id);
  if (p->cancelOnFire != nullptr) p->wheel->cancel(&p->cancelOnFire->node);
}
Probe makeProbe(int id, Fired* log) {
  Probe p;
  p.id = id;
  p.log = log;
  return p;
}
void arm(Probe& p) {
  p.node.fire = fireProbe;
  p.node.owner = &p;
}

int connectTcp(const char* host, int port) {
  int s = socket(strchr(host, ':') ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  sockaddr_storage addr{};
  socklen_t len;
  if (strchr(host, ':')) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    inet_pton(AF_INET6, host, &a->sin6_addr);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    inet_pton(AF_INET, host, &a->sin_addr);
    len = sizeof *a;
  }
  if (connect(s, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    close(s);
    return -1;
  }
  return s;
}
}  // namespace

TEST(timer_wheel_fires_in_due_order_and_cancels) {
  TimerWheel wheel;
  Fired log;
  Probe a = makeProbe(1, &log), b = makeProbe(2, &log), c = makeProbe(3, &log), far = makeProbe(4, &log);
  arm(a), arm(b), arm(c), arm(far);
  uint64_t now = monotonicMs();
  wheel.schedule(&a.node, 50);
  wheel.schedule(&b.node, 20);
  wheel.schedule(&c.node, 30);
  wheel.schedule(&far.node, 10 * 1000);  // more than a revolution away
  CHECK_EQ(wheel.armedCount(), size_t(4));
  wheel.cancel(&c.node);
  CHECK(!c.node.armed());
  wheel.advance(now + 5);
  CHECK(log.order.empty());
  wheel.advance(now + 100);
  CHECK_EQ(log.order.size(), size_t(2));
  if (log.order.size() == 2) CHECK_EQ(log.order[0] * 10 + log.order[1], 21);
  CHECK(far.node.armed());
  wheel.advance(now + 5000);  // a whole revolution later: still not due
  CHECK(far.node.armed());
  wheel.advance(now + 10 * 1000 + 20);
  CHECK(!far.node.armed());
  CHECK_EQ(wheel.armedCount(), size_t(0));
}

TEST(timer_wheel_a_fired_timer_may_cancel_another_due_one) {
  TimerWheel wheel;
  Fired log;
  Probe a = makeProbe(1, &log), b = makeProbe(2, &log);
  arm(a), arm(b);
  a.wheel = &wheel;
  a.cancelOnFire = &b;
  b.wheel = &wheel;
  b.cancelOnFire = &a;
  uint64_t now = monotonicMs();
  wheel.schedule(&a.node, 10);
  wheel.schedule(&b.node, 10);
  wheel.advance(now + 50);
  CHECK_EQ(log.order.size(), size_t(1));
  CHECK_EQ(wheel.armedCount(), size_t(0));
}

TEST(timer_wheel_ticks_through_the_poller) {
  Poller poller;
  std::string error;
  CHECK(poller.open(&error));
  TimerWheel wheel;
  CHECK(wheel.open(&poller, &error));
  Fired log;
  Probe a = makeProbe(7, &log);
  arm(a);
  wheel.schedule(&a.node, 30);
  uint64_t start = monotonicMs();
  while (log.order.empty() && monotonicMs() - start < 2000) {
    epoll_event evs[4];
    int n = poller.wait(evs, 4);
    for (int i = 0; i < n; i++) static_cast<Pollable*>(evs[i].data.ptr)->onPoll(evs[i].events);
    usleep(2000);
  }
  CHECK_EQ(log.order.size(), size_t(1));
  CHECK(monotonicMs() - start >= 25);
}

TEST(two_listeners_share_a_port_with_reuseport) {
  int a = -1, b = -1, portA = 0, portB = 0;
  std::string error;
  CHECK(listenTcp("127.0.0.1", 0, true, 16, &a, &portA, &error));
  CHECK(portA > 0);
  CHECK(listenTcp("127.0.0.1", portA, true, 16, &b, &portB, &error));
  CHECK_EQ(portA, portB);
  int c = -1, portC = 0;
  // Without SO_REUSEPORT the port is taken.
  CHECK(!listenTcp("127.0.0.1", portA, false, 16, &c, &portC, &error));
  CHECK(error.find("listen 127.0.0.1:") == 0);
  close(a);
  close(b);
}

TEST(listen_rejects_names_and_accepts_ipv6) {
  int fd = -1, port = 0;
  std::string error;
  CHECK(!listenTcp("example.com", 0, true, 16, &fd, &port, &error));
  CHECK(error.find("not an IPv4 or IPv6 address") != std::string::npos);
  CHECK(listenTcp("::", 0, true, 16, &fd, &port, &error));
  // Dual stack: an IPv4 client arrives as IPv4-mapped, reported as plain IPv4.
  int client = connectTcp("127.0.0.1", port);
  CHECK(client >= 0);
  Acceptor acceptor;
  CHECK(acceptor.open(&error));
  int accepted = -1, code = 0;
  for (int i = 0; i < 100 && acceptor.accept(fd, &accepted, &code) != Acceptor::Result::Accepted; i++) usleep(1000);
  CHECK(accepted >= 0);
  std::string host;
  int peerPort = 0;
  CHECK(peerAddress(accepted, &host, &peerPort));
  CHECK_EQ(host, std::string("127.0.0.1"));
  CHECK(peerPort > 0);
  close(accepted);
  close(client);
  close(fd);
}

TEST(unix_listener_is_owner_only_and_refuses_a_live_path) {
  char dir[] = "/tmp/gh-engine-test-XXXXXX";
  CHECK(mkdtemp(dir) != nullptr);
  std::string path = std::string(dir) + "/gateway-0.sock";
  int fd = -1;
  std::string error;
  CHECK(listenUnix(path, &fd, &error));
  struct stat st;
  CHECK(stat(path.c_str(), &st) == 0);
  CHECK_EQ(st.st_mode & 0777, 0600u);
  int again = -1;
  CHECK(!listenUnix(path, &again, &error));
  CHECK(error.find("already accepting") != std::string::npos);
  close(fd);
  // Stale file (nobody accepts): replaced.
  CHECK(listenUnix(path, &again, &error));
  close(again);
  unlink(path.c_str());
  rmdir(dir);
}

TEST(out_buffer_partial_writes_keep_order) {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
  int small = 4096;
  setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  OutBuffer out;
  std::string big;
  for (int i = 0; i < 200000; i++) big.push_back(static_cast<char>('a' + i % 26));
  out.append(big);
  size_t written = 0;
  int code = 0;
  CHECK(out.writeTo(sv[0], &written, &code) == OutBuffer::Status::Again);
  CHECK(written > 0 && written < big.size());
  std::string got;
  char buf[65536];
  for (int i = 0; i < 10000 && got.size() < big.size(); i++) {
    ssize_t n = read(sv[1], buf, sizeof buf);
    if (n > 0) got.append(buf, n);
    if (!out.empty()) out.writeTo(sv[0], &written, &code);
  }
  CHECK(out.empty());
  CHECK(got == big);
  close(sv[1]);
  out.append(std::string("x"));
  CHECK(out.writeTo(sv[0], &written, &code) == OutBuffer::Status::Error);
  CHECK_EQ(code, EPIPE);
  close(sv[0]);
}
