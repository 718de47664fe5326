// Test peers of a real Engine, header-only (not part of the engine library):
// a fake business worker speaking the link protocol over the Unix socket, and
// raw TCP / WebSocket clients. Everything is non-blocking; tests call pump()
// which alternates Engine::run() with reading every peer, until a condition holds.
#pragma once

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <fcntl.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/timer_wheel.h"
#include "protocol/link_protocol.h"
#include "command_heads.h"
#include "util/bytes.h"
#include "util/crypto.h"

namespace gh {
namespace testing {

inline int connectUnixSocket(const std::string& path) {
  int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, path.data(), path.size());
  if (::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(s);
    return -1;
  }
  return s;
}

inline int connectTcpSocket(const std::string& host, int port) {
  bool v6 = host.find(':') != std::string::npos;
  int s = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_storage addr{};
  socklen_t len;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET6, host.c_str(), &a->sin6_addr);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, host.c_str(), &a->sin_addr);
    len = sizeof *a;
  }
  if (::connect(s, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    ::close(s);
    return -1;
  }
  return s;
}

// Reads what is there without blocking; false once the peer closed (eof) or reset.
inline bool drainSocket(int fd, std::string* into, bool* eof, int* errorCode = nullptr) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      into->append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      *eof = true;
      return false;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    if (errno == EINTR) continue;
    if (errorCode != nullptr) *errorCode = errno;
    *eof = true;
    return false;
  }
}

inline bool sendAll(int fd, const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        usleep(1000);
        continue;
      }
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

struct Event {
  uint32_t seq = 0;
  uint8_t kind = 0, flags = 0;
  std::string clientId;  // 24 hex characters
  uint32_t sessionVersion = 0, patchAck = 0;
  std::string session, info, payload;
};

inline std::string hexOf(const uint8_t* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; i++) {
    s.push_back(digits[p[i] >> 4]);
    s.push_back(digits[p[i] & 15]);
  }
  return s;
}

inline void appendFrame(std::string& out, uint8_t type, const std::string& body) {
  putU32BE(out, static_cast<uint32_t>(body.size() + 1));
  putU8(out, type);
  out += body;
}

// A business worker over the link: handshake, credit, events in, acks and commands out.
class FakeWorker {
 public:
  explicit FakeWorker(std::string secret = "") : secret_(std::move(secret)) {}
  ~FakeWorker() { close(); }
  bool connectUnix(const std::string& path) {
    fd_ = connectUnixSocket(path);
    if (fd_ >= 0) fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
    return fd_ >= 0;
  }
  bool connectTcp(const std::string& host, int port) {
    fd_ = connectTcpSocket(host, port);
    if (fd_ >= 0) fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
    return fd_ >= 0;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }

  // Reads and handles whatever frames arrived (Hello answered with Auth automatically).
  void poll() {
    if (fd_ < 0 || eof_) return;
    flushOut();
    drainSocket(fd_, &in_, &eof_);
    size_t off = 0;
    while (in_.size() - off >= 5) {
      uint32_t len = getU32BE(bytesOf(in_) + off);
      if (in_.size() - off - 4 < len) break;
      uint8_t type = static_cast<uint8_t>(in_[off + 4]);
      std::string body = in_.substr(off + 5, len - 1);
      off += 4 + len;
      onFrame(type, body);
    }
    in_.erase(0, off);
  }

  // Queued and written as the socket takes it (poll() writes the rest): a test never
  // blocks on a socket the engine has not read yet.
  void send(uint8_t type, const std::string& body) {
    appendFrame(out_, type, body);
    flushOut();
  }
  void sendRaw(const std::string& bytes) {
    out_ += bytes;
    flushOut();
  }
  void flushOut() {
    while (!out_.empty() && fd_ >= 0) {
      ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n <= 0) return;
      out_.erase(0, static_cast<size_t>(n));
    }
  }
  void credit(uint32_t n) {
    std::string b;
    putU32BE(b, n);
    send(0x12, b);
  }
  void ack(const std::vector<uint32_t>& seqs) {
    std::string b;
    putU32BE(b, static_cast<uint32_t>(seqs.size()));
    for (uint32_t s : seqs) putU32BE(b, s);
    send(0x11, b);
  }
  void ackAll() {
    std::vector<uint32_t> seqs;
    for (size_t i = acked_; i < events.size(); i++) seqs.push_back(events[i].seq);
    acked_ = events.size();
    if (!seqs.empty()) ack(seqs);
  }
  // A command given with its arguments as a JSON head (command_heads.h).
  void command(uint8_t op, uint8_t flags, const std::string& head, const std::string& data) {
    send(0x20, commandBody(op, flags, head, data));
  }
  // Text send to one client: SendToClient "clientId".
  void sendTo(const std::string& clientId, const std::string& data, uint8_t flags = 0) {
    command(1, flags, "\"" + clientId + "\"", data);
  }

  bool open = false, rejected = false, eof_ = false;
  std::string rejectReason;
  std::vector<Event> events;
  int replies = 0;
  std::string lastReply;

  size_t count(uint8_t kind) const {
    size_t n = 0;
    for (const Event& e : events) n += e.kind == kind;
    return n;
  }
  const Event* last(uint8_t kind) const {
    for (size_t i = events.size(); i-- > 0;) {
      if (events[i].kind == kind) return &events[i];
    }
    return nullptr;
  }

 private:
  void onFrame(uint8_t type, const std::string& body) {
    const uint8_t* p = bytesOf(body);
    if (type == 0x01 && body.size() >= 34) {
      std::string ng = body.substr(2, 32);
      std::string nw(32, '\x5a');
      for (size_t i = 0; i < 32; i++) nw[i] = static_cast<char>(i * 7 + 1);
      uint8_t mac[32];
      hmacSha256(secret_, "gatehouse/worker" + ng + nw, mac);
      std::string auth;
      putU16BE(auth, kProtocolVersion);
      auth += nw;
      auth.append(reinterpret_cast<const char*>(mac), 32);
      auth += "{\"workerId\":\"w1\",\"pid\":4242}";
      send(0x02, auth);
    } else if (type == 0x03) {
      open = true;
    } else if (type == 0x04) {
      rejected = true;
      rejectReason = body;
    } else if (type == 0x10 && body.size() >= 26) {
      Event e;
      e.seq = getU32BE(p);
      e.kind = p[4];
      e.flags = p[5];
      e.clientId = hexOf(p + 6, 12);
      e.sessionVersion = getU32BE(p + 18);
      e.patchAck = getU32BE(p + 22);
      size_t off = 26;
      if ((e.flags & 1) && off + 4 <= body.size()) {
        uint32_t n = getU32BE(p + off);
        e.session = body.substr(off + 4, n);
        off += 4 + n;
      }
      if ((e.flags & 2) && off + 4 <= body.size()) {
        uint32_t n = getU32BE(p + off);
        e.info = body.substr(off + 4, n);
        off += 4 + n;
      }
      e.payload = body.substr(off);
      events.push_back(e);
    } else if (type == 0x22) {
      replies++;
      lastReply = body;
    }
  }

  std::string secret_;
  int fd_ = -1;
  std::string in_, out_;
  size_t acked_ = 0;
};

// A raw client socket (text/json/frame listeners, or hand-made WebSocket bytes).
class Client {
 public:
  ~Client() { close(); }
  bool connect(const std::string& host, int port) {
    fd_ = connectTcpSocket(host, port);
    return fd_ >= 0;
  }
  // Queued and written without blocking; poll() writes the rest.
  void write(const std::string& bytes) {
    out_ += bytes;
    flushOut();
  }
  void flushOut() {
    while (!out_.empty() && fd_ >= 0) {
      ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n <= 0) return;
      out_.erase(0, static_cast<size_t>(n));
    }
  }
  bool writeDone() const { return out_.empty(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // RST instead of FIN.
  void reset() {
    linger lg{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close();
  }
  void shutdownWrite() { ::shutdown(fd_, SHUT_WR); }
  void poll() {
    flushOut();
    if (fd_ >= 0 && !eof && !noRead) drainSocket(fd_, &received, &eof, &error);
  }
  int fd() const { return fd_; }
  bool noRead = false;  // a client that does not read (slow consumer)
  std::string received;
  bool eof = false;
  int error = 0;

 private:
  int fd_ = -1;
  std::string out_;
};

// A masked client→server WebSocket frame.
inline std::string wsClientFrame(uint8_t opcode, const std::string& payload, bool fin = true, bool masked = true) {
  std::string f;
  f.push_back(static_cast<char>((fin ? 0x80 : 0) | opcode));
  uint8_t maskBit = masked ? 0x80 : 0;
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(maskBit | payload.size()));
  } else if (payload.size() < 65536) {
    f.push_back(static_cast<char>(maskBit | 126));
    putU16BE(f, static_cast<uint16_t>(payload.size()));
  } else {
    f.push_back(static_cast<char>(maskBit | 127));
    putU64BE(f, payload.size());
  }
  const uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
  if (masked) f.append(reinterpret_cast<const char*>(key), 4);
  for (size_t i = 0; i < payload.size(); i++) {
    f.push_back(masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
  }
  return f;
}

// Unmasked server→client frames, parsed from the front of `bytes` (consumed).
struct WsFrame {
  uint8_t opcode = 0;
  bool fin = false;
  std::string payload;
};
inline bool takeWsFrame(std::string* bytes, WsFrame* frame) {
  const uint8_t* p = bytesOf(*bytes);
  if (bytes->size() < 2) return false;
  uint64_t len = p[1] & 0x7f;
  size_t off = 2;
  if (len == 126) {
    if (bytes->size() < 4) return false;
    len = getU16BE(p + 2);
    off = 4;
  } else if (len == 127) {
    if (bytes->size() < 10) return false;
    len = getU64BE(p + 2);
    off = 10;
  }
  if (bytes->size() < off + len) return false;
  frame->fin = (p[0] & 0x80) != 0;
  frame->opcode = p[0] & 0x0f;
  frame->payload = bytes->substr(off, len);
  bytes->erase(0, off + len);
  return true;
}

inline std::string upgradeRequest(const std::string& path = "/chat?room=1") {
  return "GET " + path +
         " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nCookie: a=1\r\n\r\n";
}

// Runs the engine and polls the peers until done() or the timeout; returns done().
inline bool pump(Engine& engine, const std::function<void()>& pollPeers, const std::function<bool()>& done,
                 uint64_t timeoutMs = 3000) {
  uint64_t start = monotonicMs();
  for (;;) {
    engine.run();
    pollPeers();
    if (done()) return true;
    if (monotonicMs() - start > timeoutMs) return false;
    pollfd pfd{engine.pollFd(), POLLIN, 0};
    ::poll(&pfd, 1, 2);
  }
}

}  // namespace testing
}  // namespace gh
