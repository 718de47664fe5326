// The websocket-connect payload per link version: a version-3 worker gets the
// raw head; a version-2 one (a rolling upgrade) what the derivation hook makes
// of it, while the event keeps the raw form for a redelivery; with no hook, or
// one that fails, the raw form goes and an error is logged.
#include "support/core_fakes.h"
#include "harness.h"

using namespace gh;
using namespace gh::testing;

namespace {

const char kRaw[] = "{\"url\":\"/\",\"rawHeaders\":[],\"remoteAddress\":\"10.0.0.1\",\"remotePort\":5555}";

ClientRecord* webSocketClient(Rig& rig) {
  ClientRecord* c = rig.connect(3);
  rig.core.clientWebSocketConnect(c, kRaw);
  return c;
}

}  // namespace

TEST(version2_gets_the_derived_payload_and_a_redelivery_to_version3_the_raw_one) {
  Rig rig;
  std::vector<std::string> asked;
  rig.core.setProtocol2Handshake([&](std::string_view raw, std::string* derived) {
    asked.emplace_back(raw);
    *derived = "derived";
    return true;
  });
  FakeWorker old(rig.core);
  old.version = 2;
  old.handshake(100, "", "old");
  webSocketClient(rig);
  std::vector<Event> ev = old.newEvents();
  CHECK_EQ(ev.size(), size_t(2));
  if (ev.size() != 2) return;
  CHECK_EQ(ev[1].kind, uint8_t(kEventWebSocketConnect));
  CHECK_EQ(ev[1].payload, std::string("derived"));
  CHECK(asked.size() == 1 && asked[0] == kRaw);

  FakeWorker current(rig.core);
  current.handshake(100, "", "current");
  rig.core.linkSocketClosed(old.link, "the worker closed the link");
  // The redelivery lane: the connect alone, then (acked) the websocket-connect.
  ev = current.newEvents();
  CHECK(ev.size() == 1 && ev[0].kind == kEventConnect);
  if (ev.size() != 1) return;
  current.ack({ev[0].seq});
  ev = current.newEvents();
  CHECK(ev.size() == 1 && ev[0].kind == kEventWebSocketConnect && ev[0].redelivery());
  if (ev.size() != 1) return;
  CHECK_EQ(ev[0].payload, std::string(kRaw));
  CHECK_EQ(asked.size(), size_t(1));  // asked for version-2 links only
}

TEST(without_a_derivation_version2_gets_the_raw_payload_and_an_error_is_logged) {
  for (bool withHook : {false, true}) {
    Rig rig;
    if (withHook) rig.core.setProtocol2Handshake([](std::string_view, std::string*) { return false; });
    FakeWorker old(rig.core);
    old.version = 2;
    old.handshake(100, "", "old");
    rig.logs("error");
    webSocketClient(rig);
    std::vector<Event> ev = old.newEvents();
    CHECK(ev.size() == 2 && ev[1].payload == kRaw);
    std::vector<ControlEvent> errors = rig.logs("error");
    CHECK_EQ(errors.size(), size_t(1));
    if (!errors.empty()) CHECK(errors[0].message.find("version-2 worker") != std::string::npos);
  }
}
