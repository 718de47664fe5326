// Worker-link sockets: accept, bytes into the core's WorkerLink, its output
// written corked at flush() (EAGAIN → EPOLLOUT), the handshake deadline, and
// the close the link asks for (at once, or after its output then FIN with a
// linger).
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/engine_impl.h"

namespace gh {

// Reads per link per run: links carry every command, so they get more than a client.
static constexpr int kLinkReadsPerRun = 4;

void EngineImpl::acceptLink(LinkTransport transport, int fd) {
  if (!accepting_) {
    ::close(fd);
    return;
  }
  if (transport == LinkTransport::Tcp) setNoDelay(fd);
  WorkerLink* link = core_.linkAccepted(transport);
  auto* l = new LinkConn(this, fd, link);
  links_.push_back(l);
  l->timer.owner = l;
  l->timer.fire = [](TimerNode*, void* owner) {
    auto* conn = static_cast<LinkConn*>(owner);
    EngineImpl* e = conn->engine_;
    if (conn->finSent) {
      e->closeLinkSocket(conn, conn->link != nullptr ? conn->link->closeReason() : std::string());
      return;
    }
    e->core_.tick();
    for (size_t i = 0; i < e->links_.size(); i++) e->checkLink(e->links_[i]);
  };
  // Just after the deadline, so the core's tick sees it passed.
  wheel_.schedule(&l->timer, options_.handshakeTimeoutMs + TimerWheel::kTickMs);
  updatePoll(l);
}

void EngineImpl::onLinkPoll(LinkConn* l, uint32_t events) {
  if (l->dead) return;
  if (events & EPOLLOUT) {
    l->awaitingWritable = false;
    flushLink(l);
    updatePoll(l);
    checkLink(l);
  }
  if (!l->dead && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) readLink(l);
}

void EngineImpl::readLink(LinkConn* l) {
  for (int i = 0; i < kLinkReadsPerRun && !l->dead; i++) {
    readsThisRun_++;
    ssize_t n = ::recv(l->fd, readBuffer_, kReadChunk, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR) continue;
      closeLinkSocket(l, "socket error: " + errnoName(errno));
      return;
    }
    if (n == 0) {
      closeLinkSocket(l, "the worker closed the link");
      return;
    }
    // A link closing (Reject, graceful) ignores what still comes until the socket ends.
    if (l->link != nullptr && !l->link->closeRequested()) l->link->onBytes(readBuffer_, static_cast<size_t>(n));
    checkLink(l);
    if (static_cast<size_t>(n) < kReadChunk) return;
  }
}

void EngineImpl::flushLink(LinkConn* l) {
  if (l->dead || l->link == nullptr || l->awaitingWritable) return;
  WorkerLink* link = l->link;
  bool wrote = false;
  while (link->outputBytes() > 0) {
    std::string_view out = link->pendingOutput();
    ssize_t n = ::send(l->fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        l->awaitingWritable = true;
        updatePoll(l);
        break;
      }
      closeLinkSocket(l, "socket error: " + errnoName(errno));
      return;
    }
    link->outputWritten(static_cast<size_t>(n));
    wrote = true;
    if (static_cast<size_t>(n) < out.size()) {
      l->awaitingWritable = true;
      updatePoll(l);
      break;
    }
  }
  if (wrote) core_.linkOutputFlushed(link);
}

void EngineImpl::checkLink(LinkConn* l) {
  if (l->dead || l->link == nullptr) return;
  WorkerLink* link = l->link;
  switch (link->closeMode()) {
    case LinkCloseMode::None:
      return;
    case LinkCloseMode::Now:
      closeLinkSocket(l, link->closeReason());
      return;
    case LinkCloseMode::AfterOutput:
      if (link->outputBytes() > 0) {
        flushLink(l);
        if (l->dead || link->outputBytes() > 0) return;
      }
      if (!l->finSent) {
        ::shutdown(l->fd, SHUT_WR);
        l->finSent = true;
        // A worker that keeps its end open is cut off.
        wheel_.schedule(&l->timer, kRejectLingerMs);
      }
      return;
  }
}

void EngineImpl::closeLinkSocket(LinkConn* l, const std::string& reason) {
  if (l->dead) return;
  l->dead = true;
  if (l->pollMask != 0) poller_.remove(l->fd);
  l->pollMask = 0;
  ::close(l->fd);
  l->fd = -1;
  wheel_.cancel(&l->timer);
  deadLinks_.push_back(l);
  WorkerLink* link = l->link;
  l->link = nullptr;
  if (link != nullptr) core_.linkSocketClosed(link, reason);
}

void EngineImpl::updatePoll(LinkConn* l) {
  if (l->dead) return;
  uint32_t mask = uint32_t(EPOLLIN | EPOLLRDHUP) | (l->awaitingWritable ? uint32_t(EPOLLOUT) : 0u);
  if (mask == l->pollMask) return;
  if (l->pollMask == 0) {
    std::string error;
    if (!poller_.add(l->fd, mask, l, &error)) {
      log("error", "epoll_ctl failed for a link socket", "{}");
      return;
    }
  } else {
    poller_.modify(l->fd, mask, l);
  }
  l->pollMask = mask;
}

}  // namespace gh
