// The part of a client's state that an idle client does not have: its session
// once the app set one, its uid and groups, the patch acks of its links, why it
// closed, and an address that is not an IP's canonical text. Allocated by the
// record on the first write (ClientRecord::extrasForWrite) and given back when
// every field is at its default again, so 10,000 idle clients cost 10,000
// null pointers here instead of ~180 bytes each (docs/native-engine.md
// "Memory per connection").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace gh {

struct ClientExtras {
  // Session (docs/protocol.md "Sessions"): compact JSON text of an object.
  std::string session = "{}";
  // Last patchId applied from each link: (linkId, patchId).
  std::vector<std::pair<uint32_t, uint32_t>> patchAcks;
  // Directory: one uid per client (GatewayWorker); groups in the order joined.
  bool hasUid = false;
  std::string uid;
  std::vector<std::string> groups;
  // Why it closed, set by whoever closes it first; empty: none yet ("client closed").
  std::string closeReason;
  // Addresses ClientAddress cannot hold (not an IP's canonical text: only
  // tests give such), behind a pointer of their own so that the block of a
  // client with a session is 160 bytes (a 176-byte chunk: with the record's
  // 240, what the 416-byte record cost before) and not 216.
  struct AddressTexts {
    std::string remote;
    std::string local;
  };
  std::unique_ptr<AddressTexts> addressTexts;

  // Everything at its default: the record may free this block.
  bool unused() const {
    return session == "{}" && patchAcks.empty() && !hasUid && groups.empty() && closeReason.empty() &&
           (!addressTexts || (addressTexts->remote.empty() && addressTexts->local.empty()));
  }
};

}  // namespace gh
