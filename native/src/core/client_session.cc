#include "core/client_session.h"

#include <algorithm>
#include <vector>

#include "json/session_patch.h"

namespace gh {

uint32_t patchAckOf(const ClientRecord& c, uint32_t linkId) {
  for (const auto& a : c.patchAcks())
    if (a.first == linkId) return a.second;
  return 0;
}

EventSessionFields sessionForEvent(ClientRecord& c, uint32_t linkId) {
  EventSessionFields f;
  if (c.knownLinkId != linkId || c.knownVersion != c.sessionVersion) {
    f.includeSession = true;
    c.knownLinkId = linkId;
    c.knownVersion = c.sessionVersion;
  }
  f.sessionVersion = c.sessionVersion;
  f.patchAck = patchAckOf(c, linkId);
  return f;
}

bool applyPatchFromLink(ClientRecord& c, uint32_t linkId, uint32_t patchId, int kind, std::string_view data,
                        std::string* error) {
  uint32_t prev = c.sessionVersion;
  // A failed patch leaves the session as it was; extras a client did not have go again.
  if (!applySessionPatch(c.extrasForWrite().session, kind, data, error)) {
    c.trimExtras();
    return false;
  }
  // u32 on the wire; 0 is never a version, so a wrapped counter restarts at 1.
  c.sessionVersion = prev == 0xffffffffu ? 1 : prev + 1;
  bool found = false;
  auto& acks = c.extras->patchAcks;
  for (auto& a : acks) {
    if (a.first == linkId) {
      a.second = patchId;
      found = true;
    }
  }
  if (!found) acks.emplace_back(linkId, patchId);
  if (c.knownLinkId == linkId && c.knownVersion == prev) c.knownVersion = c.sessionVersion;
  return true;
}

void forgetLink(ClientRecord& c, uint32_t linkId) {
  if (c.knownLinkId == linkId) {
    c.knownLinkId = 0;
    c.knownVersion = 0;
  }
  if (!c.extras) return;
  auto& acks = c.extras->patchAcks;
  acks.erase(std::remove_if(acks.begin(), acks.end(), [&](const auto& a) { return a.first == linkId; }), acks.end());
  if (acks.empty()) std::vector<std::pair<uint32_t, uint32_t>>().swap(acks);
  c.trimExtras();
}

}  // namespace gh
