// One client event the gateway holds until a worker acknowledges it: first in
// its client's queue (waiting for a link or credit), then in its link's unacked
// list. The Event frame is built when the event is sent, because the session and
// info sections depend on the link it goes to; the payload is kept to build it
// again for a redelivery. Allocated per event and freed at its ack (or when it
// is given up): an idle client holds none.
#pragma once

#include <cstdint>
#include <string>

#include "transport/framing_types.h"  // PayloadKind

namespace gh {

struct ClientRecord;

// Event kinds (docs/protocol.md "Events"); PayloadKind is framing's.
enum class EventKind : uint8_t { Connect = 1, WebSocketConnect = 2, Message = 3, Close = 4 };

struct PendingEvent {
  // The one list the event is in: its client's queue (next only) or its link's
  // unacked list (prev and next, in send order).
  PendingEvent* next = nullptr;
  PendingEvent* prev = nullptr;
  ClientRecord* client = nullptr;
  // Gateway-wide sequence number, drawn when the event is first sent (so seqs
  // increase on each link); 0 before.
  uint32_t seq = 0;
  EventKind kind = EventKind::Message;
  PayloadKind payloadKind = PayloadKind::Text;
  // Set when the link holding the event closed before acknowledging it.
  bool redelivery = false;
  std::string payload;
};

}  // namespace gh
