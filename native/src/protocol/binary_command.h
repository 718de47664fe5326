#pragma once
// Command bodies (docs/protocol.md "Commands"; the same in protocol versions 2
// and 3): u8 op ‖ u8 flags ‖ fixed-size arguments ‖ data. Client ids are their
// 12 bytes, uids and groups u16-length-prefixed UTF-8, lists u16-counted, and
// the options are flag bits, so a send, broadcast or group command is decoded
// with a few bounds checks and no JSON.
#include <string>
#include <string_view>

#include "protocol/command.h"

namespace gh {

// Bits of a Command's flags byte beyond Raw, Binary and HasData (link_protocol.h).
constexpr uint8_t kCommandOnly = 0x08;     // SendToAll: an id list of the only recipients follows
constexpr uint8_t kCommandExclude = 0x10;  // SendToAll, SendToGroup: an id list of excluded clients follows

// Decodes a Command body into *out (reset first; data is a view
// into body). Every length is checked against the body before it is used;
// unknown ops, flag bits an op does not take, names that are not UTF-8, a
// session patch kind other than 1..3 and bytes after an op that carries no
// data are errors. Error texts start with "command:" and name the op.
bool decodeBinaryCommand(std::string_view body, Command* out, std::string* error);

// Client ids are left as bytes (idBytes, onlyIds, excludeIds): the send path
// never turns them into hex.
//
// Appends the body of cmd (as decodeBinaryCommand would read it,
// flags taken as they are, ids from the byte fields): for tests, tools and
// the fuzzer's round trip.
void appendBinaryCommand(const Command& cmd, std::string& out);

}  // namespace gh
