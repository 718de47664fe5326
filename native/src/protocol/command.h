#pragma once
// A decoded Command frame (W -> G); binary_command.h reads and writes its bytes.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/link_protocol.h"

namespace gh {

// A client id as it travels: its 12 bytes, never turned into hex on the send
// path (the table looks the connection number up from them).
struct ClientIdBytes {
  uint8_t b[kClientIdBytes] = {};
};

// What each op fills (the rest stays empty / zero):
//   SendToClient, CloseClient, DestroyClient: idBytes
//   BindUid, UnbindUid, JoinGroup, LeaveGroup: idBytes, name (uid or group)
//   Ungroup: name (group)
//   SendToUid: names (uids)
//   SendToAll: hasOnly + onlyIds, excludeIds
//   SendToGroup: names (groups), excludeIds
//   Session: idBytes, patchId, patchKind (1 | 2 | 3)
// An id that names no client here (another gateway's, all zero bytes) is not
// an error: the command is ignored for it.
struct Command {
  uint8_t op = 0;
  uint8_t flags = 0;
  ClientIdBytes idBytes;
  std::string name;
  std::vector<std::string> names;
  bool hasOnly = false;
  std::vector<ClientIdBytes> onlyIds;
  std::vector<ClientIdBytes> excludeIds;
  uint32_t patchId = 0;
  uint8_t patchKind = 0;
  std::string_view data;  // a view into the decoded body
};

}  // namespace gh
