// Broadcasts held for one opening client (docs/worker.md "Connect storms"): a
// sendToAll that reaches the gateway before the worker acknowledged the
// client's opening events (Connect; WebSocket also WebSocketConnect) waits
// here, encoded for the client's listener, and is written right after those
// acks, so after the commands of its onConnect. Kept in GatewayCore's side
// table by connection number, created on the first held message and erased
// when written or when the client closes: a record pays nothing for it (a
// pointer in every record cost each idle client 16 bytes of malloc chunk).
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
