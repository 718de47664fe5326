#pragma once
// Whole link frames appended to an output buffer (docs/protocol.md "Frames").
// Bodies are bounded by the caller: a frame must stay under the peer's
// maxFrameSize, and its length field is a u32.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/link_protocol.h"

namespace gh {

// u32 length (bodySize + 1) ‖ u8 type; the body is appended by the caller.
void appendFrameHeader(std::string& out, uint8_t type, size_t bodySize);
void appendFrame(std::string& out, uint8_t type, std::string_view body);

// Gateway -> worker.
// Hello: u16 version ‖ nonce[32] ‖ JSON {gatewayId, pid, listeners}.
void appendHelloFrame(std::string& out, const uint8_t nonce[kNonceSize], std::string_view helloJson);
// Welcome: mac[32] ‖ JSON {"linkId":N,"maxFrameSize":M}.
void appendWelcomeFrame(std::string& out, const uint8_t mac[kMacSize], uint32_t linkId, uint32_t maxFrameSize);
void appendRejectFrame(std::string& out, std::string_view reason);
void appendPongFrame(std::string& out, std::string_view pingBody);
void appendDrainedFrame(std::string& out);
// Reply: u32 requestId ‖ u8 status (0 ok, 1 error) ‖ JSON result.
void appendReplyFrame(std::string& out, uint32_t requestId, bool ok, std::string_view json);
// An error Reply whose JSON is the string `message` (encodeReplyFrame(id, false, message)).
void appendReplyErrorFrame(std::string& out, uint32_t requestId, std::string_view message);
// Event: u32 seq ‖ u8 kind ‖ u8 flags ‖ clientId[12] ‖ u32 sessionVersion ‖
// u32 patchAck [‖ u32 n ‖ session] [‖ u32 n ‖ info] ‖ payload. The session
// and info sections are written exactly when flags has kEventSession /
// kEventInfo; otherwise those arguments are ignored.
void appendEventFrame(std::string& out, uint32_t seq, uint8_t kind, uint8_t flags,
                      const uint8_t clientId[kClientIdBytes], uint32_t sessionVersion, uint32_t patchAck,
                      std::string_view session, std::string_view info, std::string_view payload);

// Worker -> gateway, for tests and tools that play a worker.
void appendPingFrame(std::string& out, uint64_t stamp);
void appendAuthFrame(std::string& out, const uint8_t nonce[kNonceSize], const uint8_t mac[kMacSize],
                     std::string_view authJson, uint16_t version = kProtocolVersion);
void appendAckFrame(std::string& out, const std::vector<uint32_t>& seqs);
void appendCreditFrame(std::string& out, uint32_t credits);
void appendDrainFrame(std::string& out);
// Commands: appendBinaryCommand (binary_command.h) inside appendFrame.
// Query: u32 requestId ‖ JSON {op, args}.
void appendQueryFrame(std::string& out, uint32_t requestId, std::string_view json);

// The Hello description {gatewayId, pid, protocolVersion, listeners}: only the
// worker's JSON.parse reads it, so the key order is ours (the tests compare values).
struct HelloListener {
  std::string name;
  std::string protocol;
  std::string host;
  int port = 0;
};
void appendHelloJson(std::string& out, std::string_view gatewayId, int pid, const std::vector<HelloListener>& listeners);

}  // namespace gh
