// Arbitrary bytes into a link that has not finished its handshake (a worker,
// or anything else that reaches the link socket): the link opens only with a
// valid Auth and proof, and otherwise closes with a Reject or stays waiting;
// nothing crashes or leaks.
#include <cstdint>
#include <cstdlib>

#include "../test/support/core_fakes.h"

using namespace gh;
using namespace gh::testing;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Rig rig(16, 64 * 1024, "secret");
  rig.connect();
  FakeWorker w(rig.core);
  size_t chunk = size > 0 ? static_cast<size_t>(data[0] % 17) + 1 : 1;
  for (size_t o = 1; o < size && w.link->state() == LinkState::Handshake; o += chunk) {
    size_t n = size - o < chunk ? size - o : chunk;
    w.feed(std::string(reinterpret_cast<const char*>(data + o), n));
  }
  // Without the secret no input can authenticate (the nonce is fresh).
  if (w.link->state() == LinkState::Open) std::abort();
  rig.clock += 5000;
  rig.core.tick();
  if (w.link->state() != LinkState::Closed) std::abort();
  rig.core.linkSocketClosed(w.link, "fuzz end");
  if (rig.core.linkCount() != 0 || rig.core.heldEvents() != 1) std::abort();
  return 0;
}
