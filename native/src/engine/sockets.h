// Socket plumbing without policy: listening sockets (TCP with SO_REUSEPORT,
// Unix), the accept loop's reserved-fd shedding, peer addresses as text.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace gh {

// Binds and listens on an IPv4 or IPv6 literal ("::" is dual-stack). reusePort lets
// several gateway processes share the port; links listen exclusively.
bool listenTcp(const std::string& host, int port, bool reusePort, int backlog, int* fd, int* boundPort, std::string* error);
// Removes a stale socket file (one nobody accepts on), refuses a live one, listens, chmod 0600.
bool listenUnix(const std::string& path, int* fd, std::string* error);

// "1.2.3.4" / "::1", IPv4-mapped IPv6 addresses given as IPv4 (normalizeAddress of the JS engine).
void formatAddress(const sockaddr_storage& addr, std::string* host, int* port);
bool peerAddress(int fd, std::string* host, int* port);
bool localAddress(int fd, std::string* host, int* port);

void setNoDelay(int fd);

// accept4 with the reserved-fd trick: at EMFILE/ENFILE the spare fd is closed, the pending
// connection accepted and closed at once (so the listener is not ready forever and the
// loop never spins), and the spare reopened.
class Acceptor {
 public:
  Acceptor() = default;
  ~Acceptor();
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  bool open(std::string* error);
  enum class Result { Accepted, Empty, Shed, Failed };
  // On Accepted *fd is a non-blocking, close-on-exec socket.
  Result accept(int listenFd, int* fd, int* errorCode);
  uint64_t shed() const { return shed_; }

 private:
  int reserve_ = -1;
  uint64_t shed_ = 0;
};

}  // namespace gh
