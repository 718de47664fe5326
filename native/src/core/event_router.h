// Routes client events to worker links (docs/protocol.md "Flow control" and
// "Client pinning and order"); the twin of src/gateway/engine-js/event-router.ts.
//
// Invariants:
// - A client with waiting events is in at most one waiting set: unrouted (no
//   usable link), laneWaiting (its next event is a redelivery and the lane is
//   busy) or the waiting or waitingOpening set of its link. In none only while it has events in
//   flight on a draining link: it moves, with its waiting events, once those are
//   acked (settled).
// - At most one redelivered event is in flight in the whole gateway (the lane),
//   and a client's later events wait behind its redelivered ones.
// - A client with unacked events is pinned, and all of them are on that link.
// - A link with waiting clients has no credit left or its output is blocked.
//   Clients whose next event is a connect wait apart (waitingOpening), also
//   while half the link's window is spent on connects, and are served after
//   the others; while connects wait, open clients' events fill at most three
//   quarters of the window (worker_link.h).
// - held = unacked + waiting; reads pause at maxHeld and resume under maxHeld / 2;
//   at 2 × maxHeld new connections are refused (overloaded).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/client_record.h"
#include "core/counters.h"
#include "core/worker_link.h"

namespace gh {

class RouterHooks {
 public:
  virtual ~RouterHooks() = default;
  // Held events reached the bound (true) or fell under half of it (false).
  virtual void routerReadsPaused(bool paused) = 0;
  // A closed client's last event is acknowledged (or given up on): it can be forgotten.
  virtual void routerClientDone(ClientRecord& client) = 0;
  // What an event sent now to `link` carries (session, info) and the frame: appended to link.outputBuffer().
  virtual void routerAppendEvent(WorkerLink& link, PendingEvent& ev) = 0;
  // An event that was redelivered once lost its second link too: given up (log it).
  virtual void routerGaveUp(const ClientRecord& client, const PendingEvent& ev, const WorkerLink& link) = 0;
  // Drained was written to the draining link (log it).
  virtual void routerDrained(const WorkerLink& link) = 0;
  // A live client left a draining link with nothing in flight there (it moves): the link may forget it.
  virtual void routerMoved(ClientRecord& client, WorkerLink& link) = 0;
  // The client's opening events are all acknowledged (or given up on): what was held for it goes.
  virtual void routerOpened(ClientRecord& client) = 0;
};

// Events one client may send in a row while others wait for the same link's credit.
constexpr int kFairShare = 64;

class EventRouter {
 public:
  EventRouter(uint64_t maxHeld, Counters* counters, RouterHooks* hooks);
  ~EventRouter();
  EventRouter(const EventRouter&) = delete;
  EventRouter& operator=(const EventRouter&) = delete;

  uint64_t unackedTotal() const { return unackedTotal_; }
  uint64_t waitingTotal() const { return waitingTotal_; }
  uint64_t held() const { return unackedTotal_ + waitingTotal_; }
  bool readsPaused() const { return paused_; }
  bool overloaded() const { return held() >= maxHeld_ * 2; }
  const std::vector<WorkerLink*>& links() const { return links_; }

  // Queues a new event of a client (payload moved in) and sends it at once if its link has credit.
  void emit(ClientRecord& client, EventKind kind, PayloadKind payloadKind, std::string payload);
  void linkOpened(WorkerLink& link);
  void credit(WorkerLink& link, uint32_t credits);
  void ack(WorkerLink& link, const uint32_t* seqs, size_t count);
  void drain(WorkerLink& link);
  void outputDrained(WorkerLink& link);
  // The link closed: redeliver what it held, unpin its clients, route them
  // elsewhere. Returns how many events are redelivered.
  uint64_t linkClosed(WorkerLink& link);
  // The record is being destroyed with the engine: frees its events and unhooks it.
  void discard(ClientRecord& client);

 private:
  void settled(ClientRecord& c, WorkerLink& link);
  void finishIfDone(ClientRecord& c);
  void unpin(ClientRecord& c, WorkerLink& link);
  void checkDrained(WorkerLink& link);
  void laneFreed(ClientRecord& c);
  void pumpLane();
  void redeliver(ClientRecord& c, WorkerLink& link);
  void route(ClientRecord& c, int64_t budget = INT64_MAX);
  WorkerLink* pick();
  WorkerLink* pickAmong(bool draining);
  void serve(WorkerLink& link);
  // Serves one waiting set of the link while canSend(link) holds, a fair share each in turn.
  template <typename CanSend>
  void serveList(WorkerLink& link, WaitingList& waiting, CanSend canSend);
  void routeUnrouted();
  void send(WorkerLink& link, PendingEvent* ev);
  uint32_t nextSeq();
  void checkHeld();
  // Clients found done during one operation are reported at its end, so no
  // record is freed while the operation still holds a pointer to it.
  void flushDone();

  uint64_t maxHeld_;
  Counters* counters_;
  RouterHooks* hooks_;
  std::vector<WorkerLink*> links_;  // open links, in the order they opened
  uint64_t unackedTotal_ = 0;
  uint64_t waitingTotal_ = 0;
  WaitingList unrouted_;
  PendingEvent* laneEvent_ = nullptr;  // the one redelivered event in flight
  WaitingList laneWaiting_;
  uint32_t seq_ = 0;
  bool paused_ = false;
  std::vector<ClientRecord*> done_;
};

}  // namespace gh
