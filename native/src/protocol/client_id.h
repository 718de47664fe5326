#pragma once
// A client id is 24 lowercase hex characters (12 of the gateway instance id,
// 12 of the connection number); on the link it travels as its 12 bytes.
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/link_protocol.h"

namespace gh {

// True exactly for 24 lowercase hex characters (isClientId of client-id.ts).
bool isClientId(std::string_view id);

// The 12 bytes of a well-formed id; false (out untouched) for anything else.
bool clientIdToBytes(std::string_view id, uint8_t out[kClientIdBytes]);

// The 24 lowercase hex characters of 12 bytes, written at out[0..23].
void writeClientIdHex(char out[kClientIdLength], const uint8_t id[kClientIdBytes]);
// The same, appended (one resize, not 24 push_backs: this runs per command and per event).
void appendClientIdHex(std::string& out, const uint8_t id[kClientIdBytes]);
std::string clientIdHex(const uint8_t id[kClientIdBytes]);

}  // namespace gh
