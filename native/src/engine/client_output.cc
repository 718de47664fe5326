// Client sockets outbound: ClientIo for the core (send with the slow-consumer
// policy, graceful close, destroy, read pausing), corking (one write per
// socket per flush; the `writes` counter), EAGAIN/EPOLLOUT, and the closing
// sequence (FIN after the output, linger, destroy).
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/engine_impl.h"
#include "transport/websocket_frame.h"

namespace gh {

static ClientConn* connOf(const ClientRecord& r) { return static_cast<ClientConn*>(r.io); }

bool EngineImpl::send(ClientRecord& client, std::string_view bytes) {
  ClientConn* c = connOf(client);
  if (c == nullptr || c->phase != ConnPhase::Stream || client.state != ClientState::Open) return false;
  // After our FIN or close frame nothing more is written (ws: readyState not OPEN).
  if (c->finAfterOutput || c->finSent || c->wsCloseSent) return false;
  size_t pending = c->out.pending();
  if (pending > 0 && pending + bytes.size() > options_.sendBufferSize) {
    if (!options_.slowConsumerClose) {
      core_.counters().slowConsumerDrops++;
      if (client.slowConsumerDrops != UINT32_MAX) client.slowConsumerDrops++;  // saturates, never wraps to 0
    } else {
      core_.counters().slowConsumerCloses++;
      core_.destroyClient(&client, "slow consumer");
    }
    return false;
  }
  queue(c, bytes);
  client.bytesOut += bytes.size();
  core_.counters().bytesOut += bytes.size();
  core_.counters().messagesOut++;
  return true;
}

void EngineImpl::close(ClientRecord& client, uint16_t wsCode, std::string_view) {
  ClientConn* c = connOf(client);
  if (c == nullptr || c->phase != ConnPhase::Stream) return;
  if (c->websocket) {
    // ws.close(code) as the JS engine calls it: the code alone; FIN once the client answers.
    if (!c->wsCloseSent) {
      std::string frame;
      appendWebSocketClose(frame, wsCode, {});
      queue(c, frame);
      c->wsCloseSent = true;
    }
    if (c->wsCloseReceived) c->finAfterOutput = true;
  } else {
    c->finAfterOutput = true;
  }
  wantFlush(c);
  startLinger(c);
}

void EngineImpl::destroy(ClientRecord& client) {
  ClientConn* c = connOf(client);
  if (c != nullptr) closeSocket(c);
}

void EngineImpl::setReadsPaused(bool paused) {
  ioPaused_ = paused;
  int64_t now = core_.now();
  for (ClientConn* c = clientsHead_; c != nullptr; c = c->next) {
    if (c->phase != ConnPhase::Stream || c->record == nullptr) continue;
    c->readsPaused = paused;
    // Paused clients could not be heard: the heartbeat must not hold that against them.
    if (!paused) c->record->lastMessageAt = now;
    updatePoll(c);
  }
}

void EngineImpl::resumeClient(ClientRecord& client) {
  ClientConn* c = connOf(client);
  if (c == nullptr || c->phase == ConnPhase::Dead) return;
  c->forceRead = true;
  updatePoll(c);
}

uint64_t EngineImpl::queuedBytes(const ClientRecord& client) const {
  const ClientConn* c = connOf(client);
  return c == nullptr ? 0 : c->out.pending();
}

void EngineImpl::queue(ClientConn* c, std::string_view bytes) {
  c->out.append(bytes);
  wantFlush(c);
}

void EngineImpl::wantFlush(ClientConn* c) {
  if (c->inFlushList) return;
  c->inFlushList = true;
  flushList_.push_back(c);
}

void EngineImpl::flushClient(ClientConn* c, bool counted) {
  if (c->phase == ConnPhase::Dead) return;
  if (c->out.empty()) {
    if (c->awaitingWritable) {
      c->awaitingWritable = false;
      updatePoll(c);
    }
    finishClose(c);
    return;
  }
  // Waiting for EPOLLOUT: the kernel has no room; the rest goes when it has.
  if (c->awaitingWritable && counted) return;
  size_t written = 0;
  int code = 0;
  OutBuffer::Status st = c->out.writeTo(c->fd, &written, &code);
  if (counted) core_.counters().writes++;
  if (st == OutBuffer::Status::Error) {
    clientError(c, code);
    return;
  }
  bool again = st == OutBuffer::Status::Again;
  if (again != c->awaitingWritable) {
    c->awaitingWritable = again;
    updatePoll(c);
  }
  if (!again) finishClose(c);
}

void EngineImpl::finishClose(ClientConn* c) {
  if (!c->finAfterOutput || c->finSent || !c->out.empty()) return;
  ::shutdown(c->fd, SHUT_WR);
  c->finSent = true;
  startLinger(c);
}

void EngineImpl::startLinger(ClientConn* c) {
  if (c->lingering || c->phase == ConnPhase::Dead) return;
  c->lingering = true;
  // A peer that never finishes the close is destroyed (the close reason stays).
  c->timerNode().fire = [](TimerNode*, void* owner) {
    auto* conn = static_cast<ClientConn*>(owner);
    conn->engine_->timerExpired(conn);
  };
  wheel_.schedule(c->timer.get(), options_.closeLingerMs);
}

void EngineImpl::closeSocket(ClientConn* c) {
  if (c->phase == ConnPhase::Dead) return;
  if (c->registered) poller_.remove(c->fd);
  c->registered = false;
  ::close(c->fd);
  c->fd = -1;
  c->phase = ConnPhase::Dead;
  if (c->timer) wheel_.cancel(c->timer.get());
  c->out.clear();
  c->http.reset();
  // Out of the engine's list now; freed after the batch (reap), its record told at reportClosed.
  if (c->prev != nullptr) c->prev->next = c->next;
  else clientsHead_ = c->next;
  if (c->next != nullptr) c->next->prev = c->prev;
  c->prev = c->next = nullptr;
  clientSockets_--;
  closedList_.push_back(c);
}

void EngineImpl::updatePoll(ClientConn* c) {
  if (c->phase == ConnPhase::Dead) return;
  bool reading = c->phase == ConnPhase::Http || !c->readsPaused || c->forceRead;
  uint32_t mask = (reading ? uint32_t(EPOLLIN | EPOLLRDHUP) : 0u) | (c->awaitingWritable ? uint32_t(EPOLLOUT) : 0u);
  if (mask == c->pollMask && c->registered == (mask != 0)) return;
  c->pollMask = mask;
  // Nothing watched: out of the set entirely, since EPOLLHUP is reported whatever the mask.
  if (mask == 0) {
    if (c->registered) poller_.remove(c->fd);
    c->registered = false;
    return;
  }
  if (c->registered) {
    poller_.modify(c->fd, mask, c);
  } else {
    std::string error;
    if (poller_.add(c->fd, mask, c, &error)) c->registered = true;
    else log("error", "epoll_ctl failed for a client socket", "{}");
  }
}

void EngineImpl::reportClosed() {
  // In closing order: the close events are queued as the sockets went.
  while (!closedList_.empty()) {
    std::vector<ClientConn*> batch;
    batch.swap(closedList_);
    for (ClientConn* c : batch) {
      graveyard_.push_back(c);
      ClientRecord* rec = c->record;
      if (rec == nullptr) continue;
      c->record = nullptr;
      rec->io = nullptr;
      core_.clientClosed(rec);
    }
  }
}

}  // namespace gh
