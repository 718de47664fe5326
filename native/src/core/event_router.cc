#include "core/event_router.h"

#include "core/client_session.h"

#include <algorithm>
#include <unordered_map>

namespace gh {

namespace {

// Connect and WebSocketConnect: until the worker has seen them, broadcasts are held for the client.
bool isOpening(EventKind kind) { return kind == EventKind::Connect || kind == EventKind::WebSocketConnect; }

// Drained: u32 length 1 ‖ type 0x14, no body.
constexpr char kDrainedFrame[] = {0, 0, 0, 1, 0x14};

}  // namespace

EventRouter::EventRouter(uint64_t maxHeld, Counters* counters, RouterHooks* hooks)
    : maxHeld_(maxHeld), counters_(counters), hooks_(hooks) {}

EventRouter::~EventRouter() {
  unrouted_.clear();
  laneWaiting_.clear();
}

void EventRouter::emit(ClientRecord& c, EventKind kind, PayloadKind payloadKind, std::string payload) {
  bool wasIdle = c.queue.empty();
  if (isOpening(kind)) c.openingEvents++;
  auto* ev = new PendingEvent();
  ev->client = &c;
  ev->kind = kind;
  ev->payloadKind = payloadKind;
  ev->payload = std::move(payload);
  c.queue.push(ev);
  waitingTotal_++;
  if (wasIdle) route(c);
  checkHeld();
  flushDone();
}

void EventRouter::linkOpened(WorkerLink& link) { links_.push_back(&link); }

void EventRouter::credit(WorkerLink& link, uint32_t credits) {
  link.credit += credits;
  link.window += credits;
  if (!link.credited && credits > 0) {
    link.credited = true;
    routeUnrouted();
  }
  serve(link);
  checkHeld();
  flushDone();
}

void EventRouter::ack(WorkerLink& link, const uint32_t* seqs, size_t count) {
  ClientRecord* laneFreedClient = nullptr;
  for (size_t i = 0; i < count; i++) {
    auto it = link.unacked.find(seqs[i]);
    if (it == link.unacked.end()) continue;  // acked twice, or an event of another link: nothing to release
    PendingEvent* ev = it->second;
    link.removeUnacked(ev);
    link.credit++;
    unackedTotal_--;
    counters_->eventsAcked++;
    ClientRecord& c = *ev->client;
    c.unacked--;
    if (isOpening(ev->kind)) {
      link.openingInFlight--;
      if (--c.openingEvents == 0) hooks_->routerOpened(c);
    }
    if (ev == laneEvent_) {
      laneEvent_ = nullptr;
      laneFreedClient = &c;
    }
    delete ev;
    if (c.unacked == 0) settled(c, link);
  }
  if (laneFreedClient != nullptr) laneFreed(*laneFreedClient);
  serve(link);
  checkHeld();
  flushDone();
}

void EventRouter::drain(WorkerLink& link) {
  link.draining = true;
  std::vector<ClientRecord*> pinned;
  for (ClientRecord* c = link.pinned.front(); c != nullptr; c = PinnedList::nextOf(c)) pinned.push_back(c);
  for (ClientRecord* c : pinned)
    if (c->unacked == 0) settled(*c, link);
  checkDrained(link);
  checkHeld();
  flushDone();
}

void EventRouter::outputDrained(WorkerLink& link) {
  serve(link);
  checkHeld();
  flushDone();
}

uint64_t EventRouter::linkClosed(WorkerLink& link) {
  links_.erase(std::remove(links_.begin(), links_.end(), &link), links_.end());
  // The link's unacked events by client, clients in first-appearance order, events in send order.
  struct Returned {
    ClientRecord* client;
    std::vector<PendingEvent*> events;
  };
  std::vector<Returned> returned;
  std::unordered_map<ClientRecord*, size_t> slot;
  for (PendingEvent* ev = link.unackedHead; ev != nullptr; ev = ev->next) {
    auto [it, added] = slot.emplace(ev->client, returned.size());
    if (added) returned.push_back(Returned{ev->client, {}});
    returned[it->second].events.push_back(ev);
  }
  unackedTotal_ -= link.unacked.size();
  if (laneEvent_ != nullptr && laneEvent_->seq != 0) {
    auto it = link.unacked.find(laneEvent_->seq);
    if (it != link.unacked.end() && it->second == laneEvent_) laneEvent_ = nullptr;
  }
  link.unacked.clear();
  link.unackedHead = link.unackedTail = nullptr;
  link.openingInFlight = 0;
  link.waiting.clear();
  link.waitingOpening.clear();
  uint64_t redelivered = 0;
  for (Returned& r : returned) {
    ClientRecord& c = *r.client;
    c.unacked = 0;
    PendingEvent* first = nullptr;
    PendingEvent* last = nullptr;
    uint32_t again = 0;
    for (PendingEvent* ev : r.events) {
      ev->next = ev->prev = nullptr;
      if (ev->redelivery) {
        counters_->eventsFailed++;
        hooks_->routerGaveUp(c, *ev, link);
        if (isOpening(ev->kind) && --c.openingEvents == 0) hooks_->routerOpened(c);
        delete ev;
        continue;
      }
      ev->redelivery = true;
      if (last == nullptr) first = ev;
      else last->next = ev;
      last = ev;
      again++;
    }
    redelivered += again;
    c.queue.unshiftChain(first, last, again);
    waitingTotal_ += again;
  }
  counters_->eventsRedelivered += redelivered;
  std::vector<ClientRecord*> affected;
  for (ClientRecord* c = link.pinned.front(); c != nullptr; c = PinnedList::nextOf(c)) affected.push_back(c);
  link.pinned.clear();
  for (ClientRecord* c : affected) {
    c->pinned = nullptr;
    forgetLink(*c, link.id());
    if (!c->queue.empty()) route(*c);
    else finishIfDone(*c);
  }
  pumpLane();
  checkHeld();
  flushDone();
  return redelivered;
}

void EventRouter::discard(ClientRecord& c) {
  if (c.pinned != nullptr) {
    c.pinned->pinned.remove(&c);
    c.pinned->waiting.remove(&c);
    c.pinned->waitingOpening.remove(&c);
    c.pinned = nullptr;
  }
  if (c.waitingHook.owner != nullptr) static_cast<WaitingList*>(const_cast<void*>(c.waitingHook.owner))->remove(&c);
  waitingTotal_ -= c.queue.clear();
}

void EventRouter::settled(ClientRecord& c, WorkerLink& link) {
  if (link.draining) {
    unpin(c, link);
    if (!c.queue.empty()) route(c);
  }
  finishIfDone(c);
}

void EventRouter::finishIfDone(ClientRecord& c) {
  if (c.state != ClientState::Closed || c.unacked != 0 || !c.queue.empty()) return;
  if (c.pinned != nullptr) unpin(c, *c.pinned);
  if (std::find(done_.begin(), done_.end(), &c) == done_.end()) done_.push_back(&c);
}

void EventRouter::flushDone() {
  while (!done_.empty()) {
    ClientRecord* c = done_.back();
    done_.pop_back();
    // Still done? (nothing can revive a closed client, but the check is cheap.)
    if (c->state != ClientState::Closed || c->unacked != 0 || !c->queue.empty()) continue;
    if (c->waitingHook.owner != nullptr) static_cast<WaitingList*>(const_cast<void*>(c->waitingHook.owner))->remove(c);
    hooks_->routerClientDone(*c);
  }
}

void EventRouter::unpin(ClientRecord& c, WorkerLink& link) {
  link.pinned.remove(&c);
  link.waiting.remove(&c);
  link.waitingOpening.remove(&c);
  c.pinned = nullptr;
  if (link.draining && c.state != ClientState::Closed) hooks_->routerMoved(c, link);
  if (link.draining) checkDrained(link);
}

void EventRouter::checkDrained(WorkerLink& link) {
  if (!link.draining || link.drainedSent || link.state() != LinkState::Open) return;
  if (!link.pinned.empty() || !link.unacked.empty()) return;
  link.drainedSent = true;
  link.write(std::string_view(kDrainedFrame, sizeof kDrainedFrame));
  hooks_->routerDrained(link);
}

void EventRouter::laneFreed(ClientRecord& c) {
  if (!c.queue.empty() && !laneWaiting_.has(&c)) route(c);
  pumpLane();
}

void EventRouter::pumpLane() {
  while (laneEvent_ == nullptr && !laneWaiting_.empty()) {
    ClientRecord* c = laneWaiting_.front();
    laneWaiting_.remove(c);
    if (!c->queue.empty()) route(*c);
    else finishIfDone(*c);
  }
}

void EventRouter::redeliver(ClientRecord& c, WorkerLink& link) {
  if (laneEvent_ != nullptr) {
    laneWaiting_.add(&c);  // out of the link's waiting set (one hook)
    return;
  }
  if (!link.canSend()) {
    link.waiting.add(&c);
    return;
  }
  link.waiting.remove(&c);
  link.waitingOpening.remove(&c);
  PendingEvent* ev = c.queue.shift();
  laneEvent_ = ev;
  send(link, ev);
}

void EventRouter::route(ClientRecord& c, int64_t budget) {
  WorkerLink* link = c.pinned;
  if (link != nullptr && link->draining) {
    // Events in flight there: the waiting ones go nowhere until they are acked (settled moves the client).
    if (c.unacked > 0) return;
    unpin(c, *link);
    link = nullptr;
  }
  if (link == nullptr) {
    link = pick();
    if (link == nullptr) {
      unrouted_.add(&c);
      return;
    }
    c.pinned = link;
    link->pinned.add(&c);
  }
  if (!c.queue.empty() && c.queue.peek()->redelivery) {
    redeliver(c, *link);
    return;
  }
  for (; budget > 0 && !c.queue.empty(); budget--) {
    const PendingEvent* next = c.queue.peek();
    if (next->redelivery || !(isOpening(next->kind) ? link->canSendOpening() : link->canSendOpen())) break;
    send(*link, c.queue.shift());
  }
  if (c.queue.empty()) {
    link->waiting.remove(&c);
    link->waitingOpening.remove(&c);
    finishIfDone(c);
  } else if (isOpening(c.queue.peek()->kind) && !c.queue.peek()->redelivery) {
    link->waitingOpening.add(&c);  // out of `waiting` (one hook)
  } else {
    link->waiting.add(&c);
  }
}

WorkerLink* EventRouter::pick() {
  WorkerLink* link = pickAmong(false);
  return link != nullptr ? link : pickAmong(true);
}

WorkerLink* EventRouter::pickAmong(bool draining) {
  WorkerLink* best = nullptr;
  for (WorkerLink* link : links_) {
    if (link->state() != LinkState::Open || !link->credited || link->draining != draining || link->drainedSent) continue;
    if (best == nullptr || link->unacked.size() < best->unacked.size() ||
        (link->unacked.size() == best->unacked.size() && link->pinned.size() < best->pinned.size())) {
      best = link;
    }
  }
  return best;
}

// First the open clients (up to three quarters of the window while connects
// wait), then those whose next event is a connect, while the opening share lasts.
void EventRouter::serve(WorkerLink& link) {
  auto open = [](const WorkerLink& l) { return l.canSendOpen(); };
  serveList(link, link.waiting, open);
  if (link.waitingOpening.empty()) return;
  serveList(link, link.waitingOpening, [](const WorkerLink& l) { return l.canSendOpening(); });
  // No connect waits any more: the open clients may have the whole window again.
  if (link.waitingOpening.empty()) serveList(link, link.waiting, open);
}

template <typename CanSend>
void EventRouter::serveList(WorkerLink& link, WaitingList& waiting, CanSend canSend) {
  // Taking the front and (in route) re-adding at the back is the JS Set's
  // delete-and-re-add during iteration: round robin, a fair share each.
  while (!waiting.empty()) {
    if (!canSend(link)) return;
    ClientRecord* c = waiting.front();
    waiting.remove(c);
    if (link.draining && c->unacked == 0) {
      unpin(*c, link);
      route(*c);
    } else {
      route(*c, kFairShare);
    }
  }
}

void EventRouter::routeUnrouted() {
  if (unrouted_.empty()) return;
  std::vector<ClientRecord*> clients;
  for (ClientRecord* c = unrouted_.front(); c != nullptr; c = WaitingList::nextOf(c)) clients.push_back(c);
  unrouted_.clear();
  for (ClientRecord* c : clients) route(*c);
}

void EventRouter::send(WorkerLink& link, PendingEvent* ev) {
  ClientRecord& c = *ev->client;
  if (ev->seq == 0) ev->seq = nextSeq();
  link.addUnacked(ev);
  link.credit--;
  if (isOpening(ev->kind)) link.openingInFlight++;
  c.unacked++;
  waitingTotal_--;
  unackedTotal_++;
  counters_->eventsSent++;
  hooks_->routerAppendEvent(link, *ev);
}

uint32_t EventRouter::nextSeq() {
  seq_ = seq_ == 0xffffffffu ? 1 : seq_ + 1;
  return seq_;
}

void EventRouter::checkHeld() {
  uint64_t heldNow = held();
  if (!paused_ && heldNow >= maxHeld_) {
    paused_ = true;
    counters_->readPauses++;
    hooks_->routerReadsPaused(true);
  } else if (paused_ && heldNow * 2 < maxHeld_) {
    paused_ = false;
    hooks_->routerReadsPaused(false);
  }
}

}  // namespace gh
