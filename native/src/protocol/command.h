#pragma once
// Command frames (W -> G): u8 op ‖ u8 flags ‖ u16 headLength ‖ head JSON ‖
// data, decoded and shape-checked as command-codec.ts and command-heads.ts do.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/link_protocol.h"

namespace gh {

// What each op fills (the rest stays empty / zero):
//   SendToClient, CloseClient, DestroyClient: clientId
//   BindUid, UnbindUid, JoinGroup, LeaveGroup: clientId, name (uid or group)
//   Ungroup: name (group)
//   SendToUid: names (uids)
//   SendToAll: hasOnly + only ("c"), exclude ("x"); a null head is {}
//   SendToGroup: names (groups, "g"), exclude ("x")
//   Session: clientId ("c"), patchId ("p"), patchKind ("k": 1 | 2 | 3)
// clientId is the string as the worker gave it: one that is not 24 lowercase
// hex is not an error, it names no client here (see isClientId).
// A client id as it travels in version 2: its 12 bytes, never turned into hex
// on the send path (the table looks the connection number up from them).
struct ClientIdBytes {
  uint8_t b[kClientIdBytes] = {};
};

struct Command {
  uint8_t op = 0;
  uint8_t flags = 0;
  std::string clientId;
  std::string name;
  bool hasOnly = false;
  std::vector<std::string> only;
  std::vector<std::string> exclude;
  std::vector<std::string> names;
  uint32_t patchId = 0;
  uint8_t patchKind = 0;
  std::string_view data;  // a view into the decoded body
  // Version 2 (binary_command.h) sets binaryIds and gives the ids as bytes in
  // idBytes, onlyIds and excludeIds instead of clientId, only and exclude.
  bool binaryIds = false;
  ClientIdBytes idBytes;
  std::vector<ClientIdBytes> onlyIds;
  std::vector<ClientIdBytes> excludeIds;
};

// Decodes a Command body. Errors, as the JS link logs them: "command:
// truncated", "command: unknown op N", "command: arguments overrun the
// frame", "command: arguments of op N are not valid JSON", and for a head of
// the wrong shape (the head JSON is read as Node reads a Buffer: invalid
// UTF-8 becomes U+FFFD) "<what>: arguments must be <expected> (got <head JSON, at
// most 200 UTF-16 units>)", e.g. 'bindUid: arguments must be a [clientId,
// string] pair (got ["a"])'. *out is reset first.
// (The JS engine counts `commands` before the head check; a caller that wants
// the same count can tell the cases apart with commandHeadError below.)
bool decodeCommand(std::string_view body, Command* out, std::string* error);

// True when decodeCommand's last error text is a head-shape error rather than
// a framing one: it starts with the op's name, not "command:".
bool commandHeadError(std::string_view error);

}  // namespace gh
