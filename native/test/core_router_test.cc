// The event router through GatewayCore: events and their sections, pinning,
// credit, acks, fairness, the redelivery lane and poison events.
#include "support/core_fakes.h"
#include "harness.h"

using namespace gh;
using namespace gh::testing;

TEST(connect_event_carries_session_and_info) {
  Rig rig;
  FakeWorker w(rig.core);
  w.handshake(10);
  ClientRecord* c = rig.connect(0, "::ffff:10.1.2.3", 4000);
  std::vector<Event> ev = w.newEvents();
  CHECK_EQ(ev.size(), size_t(1));
  if (ev.size() != 1) return;
  CHECK_EQ(ev[0].seq, uint32_t(1));
  CHECK_EQ(ev[0].kind, uint8_t(1));
  CHECK_EQ(ev[0].clientId, rig.id(c));
  CHECK_EQ(ev[0].clientId, std::string("0123456789ab000000000001"));
  CHECK_EQ(ev[0].sessionVersion, uint32_t(1));
  CHECK_EQ(ev[0].patchAck, uint32_t(0));
  CHECK(ev[0].hasSession);
  CHECK_EQ(ev[0].session, std::string("{}"));
  CHECK(ev[0].hasInfo);
  CHECK_EQ(ev[0].info, std::string("{\"remoteAddress\":\"10.1.2.3\",\"remotePort\":4000,\"gatewayId\":\"0123456789ab\","
                                   "\"gatewayAddress\":\"127.0.0.1\",\"gatewayPort\":7000,\"listener\":\"tcp\",\"protocol\":\"text\"}"));
  CHECK_EQ(ev[0].payload, std::string());
  // The next event: no session, no info (the link knows them).
  rig.message(c, "hi");
  ev = w.newEvents();
  CHECK_EQ(ev.size(), size_t(1));
  if (ev.size() != 1) return;
  CHECK_EQ(ev[0].seq, uint32_t(2));
  CHECK_EQ(ev[0].kind, uint8_t(3));
  CHECK(!ev[0].hasSession);
  CHECK(!ev[0].hasInfo);
  CHECK_EQ(ev[0].payload, std::string("hi"));
  CHECK_EQ(ev[0].payloadKind(), uint8_t(0));
  rig.core.clientMessage(c, "{\"a\":1}", PayloadKind::Json);
  ev = w.newEvents();
  CHECK(ev.size() == 1 && ev[0].payloadKind() == 2);
  CHECK_EQ(rig.core.counters().messagesIn, uint64_t(2));
  CHECK_EQ(rig.core.counters().eventsSent, uint64_t(3));
  CHECK_EQ(rig.core.stats().eventsUnacked, uint64_t(3));
}

TEST(events_wait_without_a_credited_link) {
  Rig rig;
  ClientRecord* c = rig.connect();
  rig.message(c, "a");
  CHECK_EQ(rig.core.stats().eventsWaiting, uint64_t(2));
  FakeWorker w(rig.core);
  w.handshake(0);  // open, no credit yet: gets no client
  CHECK_EQ(w.events().size(), size_t(0));
  w.credit(1);
  CHECK_EQ(w.events().size(), size_t(1));
  CHECK_EQ(rig.core.stats().eventsWaiting, uint64_t(1));
  w.credit(5);
  CHECK_EQ(w.events().size(), size_t(2));
  CHECK_EQ(rig.core.stats().eventsWaiting, uint64_t(0));
  CHECK_EQ(rig.core.stats().eventsUnacked, uint64_t(2));
}

TEST(pinning_least_unacked_then_fewest_pinned) {
  Rig rig;
  FakeWorker a(rig.core), b(rig.core);
  a.handshake(100, "", "wa");
  b.handshake(100, "", "wb");
  ClientRecord* c1 = rig.connect();  // tie: a (first)
  ClientRecord* c2 = rig.connect();  // a has 1 unacked: b
  CHECK(c1->pinned == a.link);
  CHECK(c2->pinned == b.link);
  a.ackAll();
  b.ackAll();
  ClientRecord* c3 = rig.connect();  // both 0 unacked, both 1 pinned: a
  CHECK(c3->pinned == a.link);
  b.newEvents();
  ClientRecord* c4 = rig.connect();  // a 1 unacked: b
  CHECK(c4->pinned == b.link);
  // An idle client stays pinned: its next event goes to its link without session bytes.
  a.ackAll();
  b.ackAll();
  rig.message(c2, "x");
  std::vector<Event> ev = b.newEvents();
  CHECK(ev.size() == 1 && !ev[0].hasSession && !ev[0].hasInfo);
}

TEST(credit_bounds_unacked_and_acks_return_credit) {
  Rig rig;
  FakeWorker w(rig.core);
  w.handshake(2);
  ClientRecord* c = rig.connect();
  for (int i = 0; i < 4; i++) rig.message(c, "m" + std::to_string(i));
  std::vector<Event> ev = w.newEvents();
  CHECK_EQ(ev.size(), size_t(2));
  CHECK_EQ(rig.core.stats().eventsWaiting, uint64_t(3));
  w.ack({ev[0].seq});
  std::vector<Event> more = w.newEvents();
  CHECK_EQ(more.size(), size_t(1));
  if (more.size() == 1) CHECK_EQ(more[0].payload, std::string("m1"));
  // Acking an unknown or already acked seq changes nothing.
  w.ack({ev[0].seq, 999});
  CHECK_EQ(w.newEvents().size(), size_t(0));
  CHECK_EQ(rig.core.counters().eventsAcked, uint64_t(1));
  w.ack({ev[1].seq, more[0].seq});
  ev = w.newEvents();
  CHECK_EQ(ev.size(), size_t(2));
  CHECK_EQ(rig.core.stats().eventsWaiting, uint64_t(0));
  // Seqs increase.
  CHECK(ev.size() == 2 && ev[0].seq < ev[1].seq && ev[0].seq > more[0].seq);
}

TEST(fair_share_round_robin) {
  Rig rig;
  FakeWorker w(rig.core);
  w.handshake(2);
  ClientRecord* a = rig.connect();
  ClientRecord* b = rig.connect();
  for (int i = 0; i < 100; i++) rig.message(a, "a");
  for (int i = 0; i < 100; i++) rig.message(b, "b");
  // A window of 2: one connect in flight at a time (half the window), so b's
  // connect waits while a's connect and first line go. The acks give back 2:
  // a's next line (a quarter of the window stays for the waiting connect), then b's connect.
  w.ackAll();
  w.credit(198);
  std::vector<Event> ev = w.newEvents();
  CHECK_EQ(ev.size(), size_t(200));
  std::string order;
  char last = 0;
  int run = 0;
  for (const Event& e : ev) {
    char who = e.clientId == rig.id(a) ? 'a' : 'b';
    if (who != last && last != 0) {
      order += last + std::to_string(run) + " ";
      run = 0;
    }
    last = who;
    run++;
  }
  order += last + std::to_string(run);
  CHECK_EQ(order, std::string("a1 b1 a64 b64 a34 b36"));
}

TEST(redelivery_lane_one_at_a_time) {
  Rig rig;
  FakeWorker w1(rig.core);
  w1.handshake(100, "", "w1");
  ClientRecord* a = rig.connect();
  ClientRecord* b = rig.connect();
  rig.message(a, "a1");
  rig.message(b, "b1");
  std::vector<Event> first = w1.newEvents();
  CHECK_EQ(first.size(), size_t(4));
  FakeWorker w2(rig.core);
  w2.handshake(100, "", "w2");
  rig.core.linkSocketClosed(w1.link, "the worker closed the link");
  CHECK_EQ(rig.core.counters().eventsRedelivered, uint64_t(4));
  // a's connect goes first, alone, flagged, with session and info, same seq.
  std::vector<Event> ev = w2.newEvents();
  CHECK_EQ(ev.size(), size_t(1));
  if (ev.size() != 1) return;
  CHECK(ev[0].redelivery());
  CHECK(ev[0].hasSession && ev[0].hasInfo);
  CHECK_EQ(ev[0].seq, first[0].seq);
  CHECK_EQ(ev[0].clientId, rig.id(a));
  // A new event of a waits behind its redelivered ones.
  rig.message(a, "a2");
  CHECK_EQ(w2.newEvents().size(), size_t(0));
  std::vector<std::string> got;
  for (int i = 0; i < 10; i++) {
    w2.ack({ev[0].seq});
    ev = w2.newEvents();
    if (ev.empty()) break;
    for (const Event& e : ev) got.push_back((e.clientId == rig.id(a) ? "a:" : "b:") + e.payload + (e.redelivery() ? "*" : ""));
    if (ev.size() > 1) break;
  }
  // a's redelivered message, then a's new one goes with it as soon as the lane frees, then b's.
  std::string joined;
  for (const std::string& s : got) joined += s + " ";
  CHECK_EQ(joined, std::string("a:a1* a:a2 b:* "));
}

TEST(poison_event_is_given_up_alone) {
  Rig rig;
  FakeWorker w1(rig.core);
  w1.handshake(100, "", "w1");
  ClientRecord* a = rig.connect();
  ClientRecord* b = rig.connect();
  std::vector<Event> first = w1.newEvents();
  FakeWorker w2(rig.core);
  w2.handshake(100, "", "w2");
  rig.core.linkSocketClosed(w1.link, "crash");
  std::vector<Event> ev = w2.newEvents();
  CHECK_EQ(ev.size(), size_t(1));  // a's connect, alone
  FakeWorker w3(rig.core);
  w3.handshake(100, "", "w3");
  rig.core.takeEvents();
  rig.core.linkSocketClosed(w2.link, "crash again");
  CHECK_EQ(rig.core.counters().eventsFailed, uint64_t(1));
  std::vector<ControlEvent> errors = rig.logs("error");
  CHECK_EQ(errors.size(), size_t(1));
  if (errors.size() == 1) {
    CHECK_EQ(errors[0].message, std::string("giving up an event: the second link it was delivered to closed before acknowledging it"));
    CHECK_EQ(errors[0].fieldsJson, "{\"clientId\":\"" + rig.id(a) + "\",\"eventId\":\"0123456789ab-" +
                                       std::to_string(first[0].seq) + "\",\"seq\":" + std::to_string(first[0].seq) +
                                       ",\"kind\":1,\"linkId\":2}");
  }
  // b's connect was never sent to w2 (the lane), so it is not failed: w3 gets it.
  ev = w3.newEvents();
  CHECK_EQ(ev.size(), size_t(1));
  if (ev.size() == 1) {
    CHECK_EQ(ev[0].clientId, rig.id(b));
    CHECK(ev[0].redelivery());
  }
  (void)a;
}

TEST(close_event_and_forgetting) {
  Rig rig;
  FakeWorker w(rig.core);
  w.handshake(100);
  ClientRecord* c = rig.connect();
  std::string id = rig.id(c);
  rig.core.noteCloseReason(c, "connection error: ECONNRESET");
  rig.core.clientClosed(c);
  CHECK_EQ(rig.core.connectionCount(), size_t(0));
  CHECK_EQ(rig.core.trackedCount(), size_t(1));
  std::vector<Event> ev = w.newEvents();
  CHECK_EQ(ev.size(), size_t(2));
  if (ev.size() == 2) {
    CHECK_EQ(ev[1].kind, uint8_t(4));
    CHECK_EQ(ev[1].payload, std::string("connection error: ECONNRESET"));
  }
  w.ack(seqsOf(ev));
  CHECK_EQ(rig.core.trackedCount(), size_t(0));
  // Default reason.
  ClientRecord* d = rig.connect();
  rig.core.clientClosed(d);
  ev = w.newEvents();
  CHECK(ev.size() == 2 && ev[1].payload == "client closed");
  w.ack(seqsOf(ev));
  CHECK_EQ(rig.core.trackedCount(), size_t(0));
}

TEST(idle_record_allocates_nothing_beyond_itself) {
  ClientRecord r;
  CHECK(r.extras == nullptr);  // session, uid, groups, patch acks, close reason: none yet
  CHECK(r.session() == "{}");
  CHECK(r.groups().empty() && r.patchAcks().empty() && !r.hasUid());
  CHECK(r.queue.empty());
  CHECK(sizeof(ClientRecord) <= 512);
}

TEST(event_forwarded_before_the_patch_acks_it_without_resending) {
  Rig rig;
  FakeWorker w(rig.core);
  w.handshake(100);
  ClientRecord* c = rig.connect();
  rig.message(c, "a");
  rig.message(c, "b");
  std::vector<Event> ev = w.newEvents();
  CHECK(ev.size() == 3 && ev[1].sessionVersion == 1 && ev[2].sessionVersion == 1);
  w.command(kOpSession, "{\"c\":\"" + rig.id(c) + "\",\"p\":1,\"k\":1}", "{\"s\":{\"nick\":\"ann\"},\"d\":[]}");
  w.ack(seqsOf(ev));
  rig.message(c, "c");
  ev = w.newEvents();
  CHECK(ev.size() == 1 && !ev[0].hasSession && ev[0].sessionVersion == 2 && ev[0].patchAck == 1);
}

TEST(websocket_connect_follows_connect) {
  Rig rig;
  FakeWorker w(rig.core);
  w.handshake(100);
  ClientRecord* c = rig.core.createClient(3, "10.0.0.9", 1234, "127.0.0.1", 7003);
  rig.core.clientOpened(c);
  rig.core.clientWebSocketConnect(c, "{\"url\":\"/\"}");
  rig.core.clientMessage(c, std::string("\x00\xff", 2), PayloadKind::Binary);
  std::vector<Event> ev = w.newEvents();
  CHECK_EQ(ev.size(), size_t(3));
  if (ev.size() != 3) return;
  CHECK_EQ(ev[0].kind, uint8_t(1));
  CHECK_EQ(ev[1].kind, uint8_t(2));
  CHECK_EQ(ev[1].payload, std::string("{\"url\":\"/\"}"));
  CHECK(!ev[1].hasInfo);
  CHECK_EQ(ev[2].payloadKind(), uint8_t(1));
  CHECK_EQ(ev[2].payload, std::string("\x00\xff", 2));
  CHECK(ev[0].info.find("\"listener\":\"ws\",\"protocol\":\"websocket\"") != std::string::npos);
}

TEST(discarded_record_is_nobodys_client) {
  Rig rig;
  ClientRecord* c = rig.core.createClient(0, "10.0.0.9", 1234, "127.0.0.1", 7000);
  std::string id = rig.id(c);
  CHECK(rig.core.table().getForSession(id) == nullptr);
  rig.core.discardClient(c);
  CHECK_EQ(rig.core.trackedCount(), size_t(0));
  ClientRecord* d = rig.connect();
  CHECK_EQ(d->number, uint64_t(2));  // numbers are never reused
}
