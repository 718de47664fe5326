#include "engine/sockets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace gh {

// Worker links are a handful per gateway, connecting one by one: the classic
// 511 is plenty (client listeners take theirs from the configuration).
static constexpr int kLinkBacklog = 511;

static bool fail(std::string* error, const std::string& what, int fd) {
  *error = what + ": " + strerror(errno);
  if (fd >= 0) ::close(fd);
  return false;
}

static bool parseHost(const std::string& host, int port, sockaddr_storage* addr, socklen_t* len) {
  memset(addr, 0, sizeof *addr);
  auto* v4 = reinterpret_cast<sockaddr_in*>(addr);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    *len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(addr);
  std::string h = host;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    *len = sizeof(sockaddr_in6);
    return true;
  }
  if (host == "localhost") return parseHost("127.0.0.1", port, addr, len);
  return false;
}

bool listenTcp(const std::string& host, int port, bool reusePort, int backlog, int* fd, int* boundPort, std::string* error) {
  sockaddr_storage addr;
  socklen_t len;
  if (port < 0 || port > 65535) {
    *error = "listen " + host + ":" + std::to_string(port) + ": port out of range";
    return false;
  }
  if (!parseHost(host, port, &addr, &len)) {
    *error = "listen " + host + ":" + std::to_string(port) + ": not an IPv4 or IPv6 address";
    return false;
  }
  std::string where = "listen " + host + ":" + std::to_string(port);
  int s = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s < 0) return fail(error, where, -1);
  int one = 1, zero = 0;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reusePort && setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) return fail(error, where, s);
  // "::" accepts IPv4 too, as Node's listen does.
  if (addr.ss_family == AF_INET6) setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  if (::bind(s, reinterpret_cast<sockaddr*>(&addr), len) != 0) return fail(error, where, s);
  if (::listen(s, backlog) != 0) return fail(error, where, s);
  sockaddr_storage bound;
  socklen_t blen = sizeof bound;
  getsockname(s, reinterpret_cast<sockaddr*>(&bound), &blen);
  std::string h;
  formatAddress(bound, &h, boundPort);
  *fd = s;
  return true;
}

bool listenUnix(const std::string& path, int* fd, std::string* error) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    *error = "link socket path is empty or too long: " + path;
    return false;
  }
  memcpy(addr.sun_path, path.data(), path.size());
  // A socket file somebody still accepts on belongs to a live gateway.
  int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe >= 0) {
    bool live = ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(probe);
    if (live) {
      *error = "another process is already accepting worker links on " + path;
      return false;
    }
  }
  ::unlink(path.c_str());
  int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s < 0) return fail(error, "listen " + path, -1);
  if (::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return fail(error, "listen " + path, s);
  // The run directory (0700) is the protection; the socket itself is owner-only too.
  ::chmod(path.c_str(), 0600);
  if (::listen(s, kLinkBacklog) != 0) {
    ::unlink(path.c_str());
    return fail(error, "listen " + path, s);
  }
  *fd = s;
  return true;
}

void formatAddress(const sockaddr_storage& addr, std::string* host, int* port) {
  char buf[INET6_ADDRSTRLEN];
  host->clear();
  *port = 0;
  if (addr.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr);
    if (inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof buf) != nullptr) *host = buf;
    *port = ntohs(v4->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    *port = ntohs(v6->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      if (inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], buf, sizeof buf) != nullptr) *host = buf;
    } else if (inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof buf) != nullptr) {
      *host = buf;
    }
  }
}

bool peerAddress(int fd, std::string* host, int* port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return false;
  formatAddress(addr, host, port);
  return true;
}

bool localAddress(int fd, std::string* host, int* port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return false;
  formatAddress(addr, host, port);
  return true;
}

void setNoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Acceptor::~Acceptor() {
  if (reserve_ >= 0) ::close(reserve_);
}

bool Acceptor::open(std::string* error) {
  reserve_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (reserve_ < 0) return fail(error, "open /dev/null", -1);
  return true;
}

Acceptor::Result Acceptor::accept(int listenFd, int* fd, int* errorCode) {
  if (reserve_ < 0) reserve_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int s = ::accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  // A connection reset before we took it is gone; the next one may be fine.
  for (int retries = 0; s < 0 && (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) && retries < 8; retries++) {
    s = ::accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  }
  if (s >= 0) {
    *fd = s;
    return Result::Accepted;
  }
  *errorCode = errno;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) return Result::Empty;
  if ((errno == EMFILE || errno == ENFILE) && reserve_ >= 0) {
    ::close(reserve_);
    reserve_ = -1;
    int victim = ::accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (victim >= 0) ::close(victim);
    reserve_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    // Linux takes the fd before looking at the backlog: EMFILE with nobody waiting.
    if (victim < 0) return Result::Empty;
    shed_++;
    return Result::Shed;
  }
  return Result::Failed;
}

}  // namespace gh
