// Flow control through GatewayCore: drain/Drained (also under a constant
// stream), read pausing and resuming, reads held, refusal, link output stalls.
#include "support/core_fakes.h"
#include "harness.h"

using namespace gh;
using namespace gh::testing;

TEST(drain_moves_idle_clients_and_sends_drained_once) {
  Rig rig;
  FakeWorker w1(rig.core);
  w1.handshake(100, "", "w1");
  ClientRecord* idle = rig.connect();
  ClientRecord* busy = rig.connect();
  w1.ack({w1.newEvents()[0].seq});  // idle's connect acked; busy's in flight
  FakeWorker w2(rig.core);
  w2.handshake(100, "", "w2");
  w1.drain();
  CHECK(idle->pinned == nullptr);
  CHECK(busy->pinned == w1.link);
  CHECK_EQ(w1.count(kFrameDrained), size_t(0));
  // busy's new events wait while its connect is in flight on the draining link.
  rig.message(busy, "later");
  CHECK_EQ(w1.newEvents().size(), size_t(0));
  CHECK_EQ(w2.newEvents().size(), size_t(0));
  // idle's next event goes to w2 with session and info.
  rig.message(idle, "hello");
  std::vector<Event> ev = w2.newEvents();
  CHECK(ev.size() == 1 && ev[0].hasSession && ev[0].hasInfo);
  // busy's connect acked: busy moves with its waiting event; w1 is empty: Drained.
  w1.ack({2});
  CHECK_EQ(w1.count(kFrameDrained), size_t(1));
  ev = w2.newEvents();
  CHECK(ev.size() == 1 && ev[0].payload == "later" && ev[0].hasSession && ev[0].hasInfo);
  CHECK(busy->pinned == w2.link);
  // No new client is pinned to a drained link, and Drained goes once.
  rig.connect();
  CHECK_EQ(w1.newEvents().size(), size_t(0));
  w1.ack({2});
  CHECK_EQ(w1.count(kFrameDrained), size_t(1));
}

TEST(every_link_draining_still_serves) {
  Rig rig;
  FakeWorker w(rig.core);
  w.handshake(100);
  rig.connect();
  w.drain();  // a client with its connect in flight: not drained yet
  CHECK_EQ(w.count(kFrameDrained), size_t(0));
  ClientRecord* c = rig.connect();
  CHECK(c->pinned == w.link);  // the only link, draining but not told Drained
  CHECK_EQ(w.newEvents().size(), size_t(2));
  w.ack({1, 2});
  CHECK_EQ(w.count(kFrameDrained), size_t(1));
}

TEST(reads_pause_at_bound_resume_under_half_refuse_at_twice) {
  Rig rig(4);
  ClientRecord* c = rig.connect();
  for (int i = 0; i < 2; i++) rig.message(c, "m");
  CHECK(!rig.io.paused);
  rig.message(c, "m");  // 4 held
  CHECK(rig.io.paused);
  CHECK(rig.core.readsPaused());
  CHECK_EQ(rig.core.counters().readPauses, uint64_t(1));
  CHECK(rig.core.admit(0));
  for (int i = 0; i < 3; i++) rig.connect();  // connects still add events: 7 held
  CHECK(rig.core.admit(0));
  rig.connect();  // 8 = 2 × 4
  CHECK(!rig.core.admit(0));
  CHECK_EQ(rig.core.counters().connectionsRefused, uint64_t(1));
  std::vector<ControlEvent> ev = rig.core.takeEvents();
  bool paused = false;
  for (const ControlEvent& e : ev)
    if (e.type == ControlEvent::Type::ReadsPaused) paused = e.heldEvents == 4;
  CHECK(paused);
  FakeWorker w(rig.core);
  w.handshake(100);
  CHECK(rig.io.paused);  // 8 unacked
  std::vector<Event> sent = w.newEvents();
  CHECK_EQ(sent.size(), size_t(8));
  rig.clock += 50;
  w.ack({sent[0].seq, sent[1].seq, sent[2].seq, sent[3].seq, sent[4].seq, sent[5].seq});  // 2 held: not under half
  CHECK(rig.io.paused);
  w.ack({sent[6].seq});  // 1 < 4 / 2
  CHECK(!rig.io.paused);
  CHECK_EQ(c->lastMessageAt, rig.clock);  // resuming counts as activity
  ev = rig.core.takeEvents();
  bool resumed = false;
  for (const ControlEvent& e : ev)
    if (e.type == ControlEvent::Type::ReadsResumed) resumed = e.heldEvents == 1;
  CHECK(resumed);
}

TEST(reads_held_overrides) {
  Rig rig(4);
  rig.core.setReadsHeld(true);
  CHECK(rig.io.paused);
  ClientRecord* c = rig.connect();
  for (int i = 0; i < 5; i++) rig.message(c, "m");
  rig.core.takeEvents();
  FakeWorker w(rig.core);
  w.handshake(100);
  w.ackAll();
  CHECK(rig.io.paused);  // held whatever the count
  rig.core.setReadsHeld(false);
  CHECK(!rig.io.paused);
}

TEST(link_output_stall) {
  Rig rig(65536, 1);  // bound: the 16 KiB high-water mark
  FakeWorker w(rig.core);
  w.handshake(100);
  ClientRecord* c = rig.connect();
  w.pull();
  rig.message(c, std::string(20000, 'x'));  // over 16 KiB unsent: blocked
  CHECK(w.link->outputBlocked);
  CHECK_EQ(rig.core.counters().linkOutputStalls, uint64_t(1));
  rig.message(c, "next");
  CHECK_EQ(rig.core.stats().eventsWaiting, uint64_t(1));
  w.pull();  // the I/O layer wrote it all: drained
  CHECK(!w.link->outputBlocked);
  std::vector<Event> ev = w.newEvents();
  CHECK(!ev.empty() && ev.back().payload == "next");
  CHECK_EQ(rig.core.stats().eventsWaiting, uint64_t(0));
}

TEST(drain_under_a_constant_stream_converges_in_order) {
  Rig rig;
  FakeWorker w1(rig.core);
  w1.handshake(1000, "", "w1");
  std::vector<ClientRecord*> clients;
  for (int i = 0; i < 5; i++) clients.push_back(rig.connect());
  FakeWorker* w2 = nullptr;
  FakeWorker second(rig.core);
  std::vector<Event> all1, all2;
  std::vector<uint32_t> pending1;
  size_t w1AfterDrained = 0;
  bool drainedSeen = false;
  for (int round = 0; round < 60; round++) {
    for (size_t i = 0; i < clients.size(); i++) rig.message(clients[i], "c" + std::to_string(i) + "-" + std::to_string(round));
    for (const Event& e : w1.newEvents()) {
      all1.push_back(e);
      pending1.push_back(e.seq);
      if (drainedSeen) w1AfterDrained++;
    }
    if (round % 3 == 2) {  // a busy worker acks late, in batches
      w1.ack(pending1);
      pending1.clear();
    }
    if (round == 10) {
      second.handshake(1000, "", "w2");
      w2 = &second;
      w1.drain();
    }
    if (w2 != nullptr) {
      std::vector<Event> ev = w2->newEvents();
      for (const Event& e : ev) all2.push_back(e);
      w2->ack(seqsOf(ev));
    }
    if (w1.count(kFrameDrained) > 0) drainedSeen = true;
  }
  CHECK(drainedSeen);
  CHECK_EQ(w1AfterDrained, size_t(0));
  w1.ack(pending1);
  std::vector<Event> rest = second.newEvents();
  for (const Event& e : rest) all2.push_back(e);
  second.ack(seqsOf(rest));
  CHECK_EQ(rig.core.heldEvents(), uint64_t(0));
  CHECK_EQ(rig.core.counters().eventsRedelivered, uint64_t(0));
  for (size_t i = 0; i < clients.size(); i++) {
    std::vector<std::string> seen;
    for (const auto* list : {&all1, &all2})
      for (const Event& e : *list)
        if (e.kind == 3 && e.clientId == rig.id(clients[i])) seen.push_back(e.payload);
    CHECK_EQ(seen.size(), size_t(60));
    for (size_t k = 0; k < seen.size(); k++) CHECK_EQ(seen[k], "c" + std::to_string(i) + "-" + std::to_string(k));
    CHECK(clients[i]->pinned == second.link);
  }
  CHECK(!all1.empty() && !all2.empty());
}
