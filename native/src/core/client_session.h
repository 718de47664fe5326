// The gateway half of docs/protocol.md "Sessions": the authoritative session of
// a client, its version, which link can reconstruct which version (known), and
// the last patch applied from each link (patchAcks).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/client_record.h"

namespace gh {

struct EventSessionFields {
  bool includeSession = false;  // the session bytes go with the event
  uint32_t sessionVersion = 0;
  uint32_t patchAck = 0;
};

// What an event sent now to `linkId` carries about the session, and the
// bookkeeping of having sent it: session bytes when known != {link, version},
// after which known = {link, version}; patchAck = acks[link] or 0.
EventSessionFields sessionForEvent(ClientRecord& c, uint32_t linkId);

// A Session command from `linkId`: prev = version; apply; version++ (wrapping
// to 1, never 0); acks[link] = patchId; if known = {link, prev}, known.version =
// version. A bad patch changes nothing and returns false + the json module's error.
bool applyPatchFromLink(ClientRecord& c, uint32_t linkId, uint32_t patchId, int kind, std::string_view data,
                        std::string* error);

// The link that knew the session is gone: the next link gets the whole session.
void forgetLink(ClientRecord& c, uint32_t linkId);

uint32_t patchAckOf(const ClientRecord& c, uint32_t linkId);

}  // namespace gh
