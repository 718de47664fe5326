#include "engine/engine_impl.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>

#include "transport/encoders.h"

namespace gh {

// Worker links over TCP: a handful, connecting one by one.
static constexpr int kLinkTcpBacklog = 511;

std::string errnoName(int code) {
  switch (code) {
    case EPIPE: return "EPIPE";
    case ECONNRESET: return "ECONNRESET";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNABORTED: return "ECONNABORTED";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETUNREACH: return "ENETUNREACH";
    case ENETDOWN: return "ENETDOWN";
    case ENOTCONN: return "ENOTCONN";
    case ENOBUFS: return "ENOBUFS";
    case ENOMEM: return "ENOMEM";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EIO: return "EIO";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    default: return "E" + std::to_string(code);
  }
}

// The core's view of the engine options (listeners, limits, secret): the core
// knows nothing of sockets, so only the I/O layer sees EngineOptions whole.
static CoreOptions coreOptionsFrom(const EngineOptions& o) {
  CoreOptions c;
  c.gatewayId = o.gatewayId;
  c.pid = o.pid;
  for (const ListenerSpec& l : o.listeners) {
    CoreListener cl;
    cl.name = l.name;
    cl.protocol = l.protocol;
    cl.host = l.host;
    cl.port = l.port;
    cl.encoding.protocol = l.protocol;
    cl.encoding.frame.headerSize = static_cast<uint8_t>(l.frameHeaderSize);
    cl.encoding.frame.littleEndian = l.frameLittleEndian;
    cl.encoding.frame.lengthIncludesHeader = l.frameLengthIncludesHeader;
    c.listeners.push_back(std::move(cl));
  }
  c.secret = o.secret;
  c.maxUnackedEvents = o.maxUnackedEvents;
  c.heldBytesLimit = o.sendBufferSize;
  c.linkOutputLimit = o.linkOutputLimit;
  c.handshakeTimeoutMs = o.handshakeTimeoutMs;
  c.maxLinkFrameSize = o.maxLinkFrameSize;
  c.listenerCounters = o.listenerCounters;
  return c;
}

EngineImpl::EngineImpl(EngineOptions options)
    : options_(std::move(options)), core_(coreOptionsFrom(options_), this) {
  heartbeatTimer_.owner = this;
  heartbeatTimer_.fire = [](TimerNode*, void* owner) { static_cast<EngineImpl*>(owner)->heartbeatTick(); };
}

EngineImpl::~EngineImpl() {
  wheel_.cancel(&heartbeatTimer_);
  closeListeners();
  for (ClientConn* c = clientsHead_; c != nullptr;) {
    ClientConn* next = c->next;
    if (c->timer) wheel_.cancel(c->timer.get());
    if (c->fd >= 0) ::close(c->fd);
    if (c->record != nullptr) c->record->io = nullptr;
    delete c;
    c = next;
  }
  for (ClientConn* c : closedList_) {
    if (c->record != nullptr) c->record->io = nullptr;
    graveyard_.push_back(c);
  }
  for (ClientConn* c : graveyard_) {
    if (c->timer) wheel_.cancel(c->timer.get());
    delete c;
  }
  for (LinkConn* l : links_) {
    wheel_.cancel(&l->timer);
    if (l->fd >= 0) ::close(l->fd);
    delete l;
  }
}

bool EngineImpl::start(BoundAddresses* out, std::string* error) {
  if (started_) {
    *error = "the engine was started already";
    return false;
  }
  if (!options_.linkHost.empty() && options_.secret.empty()) {
    *error = "gateway.linkHost is set but secretKey is not: worker links over TCP need a shared secret";
    return false;
  }
  if (options_.linkPath.empty()) {
    *error = "linkPath is empty";
    return false;
  }
  if (!poller_.open(error) || !wheel_.open(&poller_, error) || !acceptor_.open(error)) return false;
  BoundAddresses bound;
  auto failed = [&](const std::string& what) {
    *error = what;
    closeListeners();
    return false;
  };
  routes_.clear();
  for (size_t i = 0; i < options_.listeners.size(); i++) {
    const ListenerSpec& spec = options_.listeners[i];
    routes_.emplace_back();
    if (spec.protocol == ListenerProtocol::WebSocket) {
      routes_.back() = std::make_unique<StaticRoutes>();
      for (const StaticRouteSpec& r : spec.staticRoutes) {
        std::string e;
        if (!routes_.back()->add(r.path, r.contentType, r.body, &e)) return failed("listener " + spec.name + ": " + e);
      }
    }
    int fd = -1, port = 0;
    std::string e;
    if (!listenTcp(spec.host, spec.port, true, spec.backlog, &fd, &port, &e)) return failed("listener " + spec.name + ": " + e);
    listenSockets_.push_back(std::make_unique<ListenSocket>(this, fd, ListenSocket::Kind::Client, static_cast<uint16_t>(i)));
    if (!poller_.add(fd, EPOLLIN, listenSockets_.back().get(), &e)) return failed(e);
    core_.setListenerPort(i, port);
    bound.listeners.push_back(BoundListener{spec.name, spec.protocol, spec.host, port});
  }
  int fd = -1;
  std::string e;
  if (!listenUnix(options_.linkPath, &fd, &e)) return failed(e);
  linkFileCreated_ = true;
  listenSockets_.push_back(std::make_unique<ListenSocket>(this, fd, ListenSocket::Kind::LinkUnix, 0));
  if (!poller_.add(fd, EPOLLIN, listenSockets_.back().get(), &e)) return failed(e);
  bound.linkPath = options_.linkPath;
  if (!options_.linkHost.empty()) {
    int port = 0;
    if (!listenTcp(options_.linkHost, options_.linkPort, false, kLinkTcpBacklog, &fd, &port, &e)) return failed("worker links: " + e);
    listenSockets_.push_back(std::make_unique<ListenSocket>(this, fd, ListenSocket::Kind::LinkTcp, 0));
    if (!poller_.add(fd, EPOLLIN, listenSockets_.back().get(), &e)) return failed(e);
    bound.linkPort = port;
  }
  // Heartbeat (heartbeat.ts): interval / 4, between 10 ms and 1 s.
  uint64_t interval = options_.pingIntervalMs;
  bool timeout = options_.pingNotResponseLimit > 0;
  if (interval > 0 && (timeout || !options_.pingData.empty())) {
    heartbeatTickMs_ = static_cast<uint32_t>(std::min<uint64_t>(1000, std::max<uint64_t>(10, interval / 4)));
    pingBytes_.clear();
    for (const CoreListener& l : core_.options().listeners) {
      std::string bytes, err;
      if (!options_.pingData.empty() && !encodeForListener(l.encoding, options_.pingData, 0, &bytes, &err)) bytes.clear();
      pingBytes_.push_back(std::move(bytes));
    }
    wheel_.schedule(&heartbeatTimer_, heartbeatTickMs_);
  }
  started_ = accepting_ = true;
  *out = std::move(bound);
  return true;
}

void EngineImpl::closeListeners() {
  for (auto& s : listenSockets_) {
    if (s->fd < 0) continue;
    poller_.remove(s->fd);
    ::close(s->fd);
    // The ListenSocket itself stays: the current epoll batch may still name it.
    s->fd = -1;
  }
  if (linkFileCreated_) {
    ::unlink(options_.linkPath.c_str());
    linkFileCreated_ = false;
  }
}

void EngineImpl::stopAccepting() {
  accepting_ = false;
  wheel_.cancel(&heartbeatTimer_);
  heartbeatTickMs_ = 0;
  closeListeners();
  // Like closeIdleConnections(): plain HTTP sockets are not clients; they go now.
  for (ClientConn* c = clientsHead_; c != nullptr; c = c->next) {
    if (c->phase == ConnPhase::Http) closeSocket(c);
  }
  reportClosed();
}

size_t EngineImpl::closeClients(size_t max, const std::string& reason, uint16_t wsCode) {
  size_t open = core_.closeClients(max, reason, wsCode);
  reportClosed();
  return open;
}

void EngineImpl::closeLinks(const std::string& reason) {
  core_.closeLinks(reason);
  for (LinkConn* l : links_) checkLink(l);
}

void EngineImpl::destroyAll(const std::string& reason) {
  core_.destroyAll(reason);
  for (ClientConn* c = clientsHead_; c != nullptr; c = c->next) {
    if (c->phase == ConnPhase::Http) closeSocket(c);
  }
  reportClosed();
}

void EngineImpl::run() {
  readsThisRun_ = 0;
  // One wait per run: a level-triggered socket with bytes left comes back next run,
  // after every other ready socket had its turn.
  int max = static_cast<int>(std::min<uint32_t>(std::max<uint32_t>(options_.maxReadsPerRun, 16), 1024));
  epoll_event events[1024];
  inBatch_ = true;
  int n = poller_.wait(events, max);
  for (int i = 0; i < n; i++) {
    static_cast<Pollable*>(events[i].data.ptr)->onPoll(events[i].events);
    reportClosed();
  }
  inBatch_ = false;
  flush();
}

void EngineImpl::flush() {
  reportClosed();
  // Index loop: a flush may not add entries, but be safe against growth.
  for (size_t i = 0; i < flushList_.size(); i++) {
    ClientConn* c = flushList_[i];
    c->inFlushList = false;
    if (c->phase != ConnPhase::Dead) flushClient(c, c->record != nullptr);
  }
  flushList_.clear();
  reportClosed();
  for (size_t i = 0; i < links_.size(); i++) {
    flushLink(links_[i]);
    checkLink(links_[i]);
  }
  reportClosed();
  if (!inBatch_) reap();
}

void EngineImpl::reap() {
  for (ClientConn* c : graveyard_) {
    if (c->timer) wheel_.cancel(c->timer.get());
    delete c;
  }
  graveyard_.clear();
  if (!deadLinks_.empty()) {
    for (LinkConn* l : deadLinks_) {
      links_.erase(std::remove(links_.begin(), links_.end(), l), links_.end());
      wheel_.cancel(&l->timer);
      delete l;
    }
    deadLinks_.clear();
  }
}

void EngineImpl::log(const char* level, std::string message, std::string fieldsJson) {
  core_.log(level, std::move(message), std::move(fieldsJson));
}

void ClientConn::onPoll(uint32_t events) { engine_->onClientPoll(this, events); }
void LinkConn::onPoll(uint32_t events) { engine_->onLinkPoll(this, events); }
void ListenSocket::onPoll(uint32_t) { engine_->onListenPoll(this); }

}  // namespace gh
