// Broadcasts held for one opening client (docs/worker.md "Connect storms"): a
// sendToAll that reaches the gateway before the worker acknowledged the
// client's opening events (Connect; WebSocket also WebSocketConnect) waits
// here, encoded for the client's listener, and is written right after those
// acks, so after the commands of its onConnect. Allocated on the first held
// message: an idle record pays one pointer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gh {

struct HeldOutput {
  std::vector<std::string> messages;  // in arrival order
  uint64_t bytes = 0;                 // bounded by sendBufferSize (CoreOptions::heldBytesLimit)
};

}  // namespace gh
