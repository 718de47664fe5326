// Arbitrary bytes from an authenticated worker link into GatewayCore, with
// clients connected, events in flight on it and on a second link: whatever the
// bytes, nothing crashes or leaks, and afterwards every held event drains
// through the other link and every closed client is forgotten.
#include <cstdint>
#include <cstdlib>

#include "../test/support/core_fakes.h"

using namespace gh;
using namespace gh::testing;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t chunk = static_cast<size_t>(data[0] % 61) + 1;
  data++;
  size--;
  Rig rig(32, 64 * 1024);
  FakeWorker w(rig.core);
  w.handshake(8);
  FakeWorker w2(rig.core);
  w2.handshake(4, "", "w2");
  std::vector<ClientRecord*> clients;
  for (uint16_t l = 0; l < 4; l++) clients.push_back(rig.connect(l));
  rig.message(clients[0], "hello");
  rig.message(clients[1], "{\"a\":1}");
  for (size_t o = 0; o < size && w.link->state() != LinkState::Closed; o += chunk) {
    size_t n = size - o < chunk ? size - o : chunk;
    w.feed(std::string(reinterpret_cast<const char*>(data + o), n));
    rig.message(clients[o % clients.size()], "m");
    // A client the commands may have closed or destroyed: its socket goes now.
    for (size_t i = 0; i < clients.size(); i++) {
      if (clients[i] != nullptr && clients[i]->state == ClientState::Closing) {
        rig.core.clientClosed(clients[i]);
        clients[i] = nullptr;
      }
    }
    std::vector<ClientRecord*> live;
    for (ClientRecord* c : clients)
      if (c != nullptr) live.push_back(c);
    clients.swap(live);
    if (clients.empty()) clients.push_back(rig.connect(0));
    rig.core.takeEvents();
  }
  rig.core.linkSocketClosed(w.link, "fuzz end");
  for (ClientRecord* c : clients) rig.core.clientClosed(c);
  check(rig.core.connectionCount() == 0);
  // Whatever is left goes through the second link one ack at a time; it must all drain.
  for (int round = 0; round < 10000 && rig.core.heldEvents() > 0; round++) {
    std::vector<Event> ev = w2.newEvents();
    if (ev.empty()) break;
    w2.ack({ev[0].seq});
    for (size_t i = 1; i < ev.size(); i++) w2.ack({ev[i].seq});
  }
  check(rig.core.heldEvents() == 0);
  check(rig.core.trackedCount() == 0);
  return 0;
}
