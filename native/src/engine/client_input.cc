// Client sockets inbound: accepting, reading (bounded per run), framing into
// the core's events, the HTTP phase of websocket listeners (static routes,
// upgrade or refusal), and the ends of sockets.
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/engine_impl.h"
#include "transport/encoders.h"
#include "transport/raw_handshake.h"
#include "transport/websocket_frame.h"
#include "transport/websocket_handshake.h"
#include "json/json_string.h"

namespace gh {

// Accepts per listener per run: a flood of connections cannot starve the sockets.
static constexpr int kAcceptsPerRun = 128;

struct ClientSink final : FramingSink {
  ClientSink(EngineImpl* e, ClientConn* c) : engine(e), conn(c) {}
  EngineImpl* engine;
  ClientConn* conn;

  bool live() const { return conn->phase == ConnPhase::Stream && conn->record != nullptr; }

  void message(const uint8_t* data, size_t size, PayloadKind kind) override {
    if (!live()) return;
    engine->core().clientMessage(conn->record, std::string(reinterpret_cast<const char*>(data), size), kind);
  }
  // A json listener's line that is not JSON: answered with one error line, the connection stays.
  void invalidJson(std::string_view reason, const uint8_t*, size_t) override {
    if (!live()) return;
    engine->core().counters().invalidJson++;
    std::string json = "{\"error\":\"invalid json\",\"message\":";
    appendJsonString(json, reason);
    json.push_back('}');
    std::string line;
    appendLine(line, json);
    engine->send(*conn->record, line);
  }
  void ping(const uint8_t* data, size_t size) override {
    if (!live() || conn->wsCloseSent) return;
    std::string frame;
    appendWebSocketFrame(frame, kWsPong, std::string_view(reinterpret_cast<const char*>(data), size));
    engine->queue(conn, frame);
  }
  // The client's close frame: echoed (ws's receiverOnConclude), then our FIN.
  void close(uint16_t code, const uint8_t* reason, size_t size) override {
    if (conn->phase != ConnPhase::Stream) return;
    conn->wsCloseReceived = true;
    if (!conn->wsCloseSent) {
      std::string frame;
      if (code == kWsNoStatus) appendWebSocketClose(frame, 0, {});
      else appendWebSocketClose(frame, code, std::string_view(reinterpret_cast<const char*>(reason), size));
      engine->queue(conn, frame);
      conn->wsCloseSent = true;
    }
    conn->finAfterOutput = true;
    engine->wantFlush(conn);
    engine->startLinger(conn);
  }
};

void EngineImpl::onListenPoll(ListenSocket* s) {
  for (int i = 0; i < kAcceptsPerRun && s->fd >= 0; i++) {
    int fd = -1, code = 0;
    Acceptor::Result r = acceptor_.accept(s->fd, &fd, &code);
    if (r == Acceptor::Result::Empty) return;
    if (r == Acceptor::Result::Shed) {
      if (s->kind == ListenSocket::Kind::Client) {
        uint64_t refused = core_.clientRefused(s->listener);
        if (refused % 1000 == 1) {
          log("warn", "out of file descriptors: closing new connections at once",
              "{\"refused\":" + std::to_string(refused) + ",\"code\":\"" + errnoName(code) + "\"}");
        }
      }
      continue;
    }
    if (r == Acceptor::Result::Failed) {
      log("error", "accept failed", "{\"code\":\"" + errnoName(code) + "\"}");
      return;
    }
    if (s->kind == ListenSocket::Kind::Client) acceptClient(s->listener, fd);
    else acceptLink(s->kind == ListenSocket::Kind::LinkUnix ? LinkTransport::Unix : LinkTransport::Tcp, fd);
  }
}

void EngineImpl::acceptClient(uint16_t listener, int fd) {
  const ListenerSpec& spec = options_.listeners[listener];
  bool ws = spec.protocol == ListenerProtocol::WebSocket;
  // TCP clients are refused at once; WebSocket ones get a 503 to their upgrade.
  if (!ws && !core_.admit(listener)) {
    ::close(fd);
    return;
  }
  setNoDelay(fd);
  auto* c = new ClientConn(this, fd, listener);
  c->next = clientsHead_;
  if (clientsHead_ != nullptr) clientsHead_->prev = c;
  clientsHead_ = c;
  clientSockets_++;
  if (ws) {
    c->phase = ConnPhase::Http;
    c->http = std::make_unique<HttpRequestParser>();
    // A socket that never completes a request does not stay forever.
    c->timerNode().fire = [](TimerNode*, void* owner) {
      auto* conn = static_cast<ClientConn*>(owner);
      conn->engine_->timerExpired(conn);
    };
    wheel_.schedule(c->timer.get(), options_.handshakeTimeoutMs);
  } else {
    if (spec.protocol == ListenerProtocol::Frame) {
      FrameOptions fo;
      fo.headerSize = static_cast<uint8_t>(spec.frameHeaderSize == 2 ? 2 : 4);
      fo.littleEndian = spec.frameLittleEndian;
      fo.lengthIncludesHeader = spec.frameLengthIncludesHeader;
      c->framer.setLengthPrefix(fo, spec.maxMessageSize);
    } else {
      c->framer.setLine(spec.maxMessageSize, spec.protocol == ListenerProtocol::Json);
    }
    std::string remote, local;
    int remotePort = 0, localPort = 0;
    peerAddress(fd, &remote, &remotePort);
    localAddress(fd, &local, &localPort);
    ClientRecord* rec = core_.createClient(listener, remote, remotePort, local, localPort);
    rec->io = c;
    c->record = rec;
    c->readsPaused = ioPaused_;
    core_.clientOpened(rec);
  }
  updatePoll(c);
}

void EngineImpl::timerExpired(ClientConn* c) { closeSocket(c); }

void EngineImpl::onClientPoll(ClientConn* c, uint32_t events) {
  if (c->phase == ConnPhase::Dead) return;
  if (events & EPOLLOUT) {
    flushClient(c, false);
    if (c->phase == ConnPhase::Dead) return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    bool reading = !c->readsPaused || c->forceRead || c->phase == ConnPhase::Http;
    // A HUP/ERR must be handled even when paused (it would be reported forever).
    if (!reading && !(events & (EPOLLHUP | EPOLLERR))) return;
    if (readsThisRun_ >= options_.maxReadsPerRun && !(events & (EPOLLHUP | EPOLLERR))) return;
    readClient(c);
  }
}

void EngineImpl::readClient(ClientConn* c) {
  readsThisRun_++;
  ssize_t n = ::recv(c->fd, readBuffer_, kReadChunk, 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    clientError(c, errno);
    return;
  }
  if (n == 0) {
    clientEof(c);
    return;
  }
  size_t size = static_cast<size_t>(n);
  if (c->phase == ConnPhase::Http) {
    feedHttp(c, readBuffer_, size);
    return;
  }
  if (c->record != nullptr) {
    c->record->bytesIn += size;
    core_.counters().bytesIn += size;
  }
  feedStream(c, readBuffer_, size);
}

void EngineImpl::feedStream(ClientConn* c, uint8_t* data, size_t size) {
  if (c->inputDone || c->record == nullptr || size == 0) return;
  ClientSink sink(this, c);
  FramingFailure failure;
  bool ok = c->framer.feed(data, size, sink, &failure);
  if (ok || c->record == nullptr || c->phase != ConnPhase::Stream) return;
  // The rest of the stream means nothing; the connection ends gracefully after counting it.
  c->inputDone = true;
  if (failure.kind == FailureKind::TooLarge) core_.counters().tooLarge++;
  else core_.counters().framingErrors++;
  ClientRecord* rec = c->record;
  if (rec->state == ClientState::Open) {
    core_.endClient(rec, failure.reason, c->websocket ? failure.wsCloseCode : kWsNormalClosure);
  } else {
    core_.noteCloseReason(rec, failure.reason);
  }
  // ws after a receiver error: no close answer is awaited, the FIN follows the close frame.
  if (c->websocket && c->phase == ConnPhase::Stream) {
    c->finAfterOutput = true;
    wantFlush(c);
  }
}

void EngineImpl::feedHttp(ClientConn* c, uint8_t* data, size_t size) {
  while (size > 0 && c->phase == ConnPhase::Http && !c->inputDone) {
    size_t used = 0;
    HttpRequestParser::Status st = c->http->feed(data, size, &used);
    if (st == HttpRequestParser::Status::Incomplete) return;
    if (st == HttpRequestParser::Status::Failed) {
      queue(c, c->http->errorResponse());
      c->inputDone = c->finAfterOutput = true;
      startLinger(c);
      return;
    }
    data += used;
    size -= used;
    const HttpRequest& req = c->http->request();
    if (isUpgradeRequest(req)) {
      if (upgrade(c, req)) feedStream(c, data, size);
      return;
    }
    StaticResponse answer = routes_[c->listener]->respond(req);
    queue(c, answer.bytes);
    if (!answer.keepAlive) {
      c->inputDone = c->finAfterOutput = true;
      startLinger(c);
      return;
    }
    c->http->reset();
    // Node's keepAliveTimeout (5 s): an idle kept-alive socket is closed.
    wheel_.schedule(&c->timerNode(), 5000);
  }
}

bool EngineImpl::upgrade(ClientConn* c, const HttpRequest& req) {
  c->inputDone = true;  // unless upgraded below
  if (!core_.admit(c->listener)) {
    queue(c, serviceUnavailableResponse());
    c->finAfterOutput = true;
    startLinger(c);
    return false;
  }
  std::string answer;
  if (!answerUpgrade(req, &answer)) {
    queue(c, answer);
    c->finAfterOutput = true;
    startLinger(c);
    return false;
  }
  queue(c, answer);
  std::string remote, local;
  int remotePort = 0, localPort = 0;
  peerAddress(c->fd, &remote, &remotePort);
  localAddress(c->fd, &local, &localPort);
  std::string handshake = rawHandshakeJson(req, remote, remotePort);
  c->http.reset();
  // A stream client arms no timer until it closes: its node goes until then.
  if (c->timer) wheel_.cancel(c->timer.get());
  c->timer.reset();
  c->inputDone = false;
  c->phase = ConnPhase::Stream;
  c->websocket = true;
  c->framer.setWebSocket(options_.listeners[c->listener].maxMessageSize);
  ClientRecord* rec = core_.createClient(c->listener, remote, remotePort, local, localPort);
  rec->io = c;
  c->record = rec;
  c->readsPaused = ioPaused_;
  core_.clientOpened(rec);
  core_.clientWebSocketConnect(rec, std::move(handshake));
  updatePoll(c);
  return true;
}

void EngineImpl::clientEof(ClientConn* c) {
  // allowHalfOpen false, as Node's: what is queued still goes (best effort), then the socket closes.
  if (!c->out.empty() && !c->awaitingWritable) {
    size_t written;
    int code;
    c->out.writeTo(c->fd, &written, &code);
  }
  closeSocket(c);
}

void EngineImpl::clientError(ClientConn* c, int code) {
  if (c->record != nullptr) core_.noteCloseReason(c->record, "connection error: " + errnoName(code));
  closeSocket(c);
}

}  // namespace gh
