#pragma once
// The small worker -> gateway frames of an open link, checked as
// worker-link.ts and event-codec.ts check them, with their error texts.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gh {

// Ack: u32 n ‖ u32 seq × n ("ack: truncated", "ack: B bytes do not hold N
// sequence numbers"). *seqs is cleared first, so one vector can be reused.
bool parseAck(std::string_view body, std::vector<uint32_t>* seqs, std::string* error);
// Credit: u32 ("credit: body must be 4 bytes").
bool parseCredit(std::string_view body, uint32_t* credits, std::string* error);
// Drain: empty ("drain: body must be empty"); Ping: 8 bytes ("ping: body must be 8 bytes").
bool checkDrain(std::string_view body, std::string* error);
bool checkPing(std::string_view body, std::string* error);

// The reasons a link closes with for a frame its state does not allow:
// "frame type 0x2a is not allowed from a worker" and
// "frame type 0x11 before the handshake finished (expected Auth)".
std::string frameNotAllowedError(uint8_t type);
std::string frameBeforeHandshakeError(uint8_t type);

}  // namespace gh
