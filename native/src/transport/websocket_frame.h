// Server -> client WebSocket frames: unmasked, FIN set, no RSV bits, the
// shortest length form; the bytes ws's Sender.frame produces for mask: false.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gh {

constexpr uint8_t kWsContinuation = 0x0;
constexpr uint8_t kWsText = 0x1;
constexpr uint8_t kWsBinary = 0x2;
constexpr uint8_t kWsClose = 0x8;
constexpr uint8_t kWsPing = 0x9;
constexpr uint8_t kWsPong = 0xA;

// WebSocket close codes the gateway sends or echoes.
constexpr uint16_t kWsNormalClosure = 1000;
constexpr uint16_t kWsGoingAway = 1001;
constexpr uint16_t kWsProtocolError = 1002;
constexpr uint16_t kWsNoStatus = 1005;  // received only: a close frame without payload
constexpr uint16_t kWsInvalidPayload = 1007;
constexpr uint16_t kWsMessageTooBig = 1009;

// Bytes of the header for a payload of this size: 2, 4 or 10.
size_t webSocketHeaderSize(uint64_t payloadSize);
// Appends only the header (the payload can then be written without a copy).
void appendWebSocketHeader(std::string& out, uint8_t opcode, uint64_t payloadSize);
// Appends a whole frame.
void appendWebSocketFrame(std::string& out, uint8_t opcode, std::string_view payload);

// A close frame as ws.close(code, reason) sends it: code 0 gives an empty
// payload (ws.close() without a code, the answer to a close without status);
// otherwise the 2-byte code then the reason, cut to 123 bytes (ws refuses a
// longer one; a client's close reason is at most 123 bytes anyway).
void appendWebSocketClose(std::string& out, uint16_t code, std::string_view reason);

// Whether ws accepts this code in a received close frame: 1000..1014 except
// 1004..1006, and 3000..4999.
bool webSocketCloseCodeValid(uint16_t code);

}  // namespace gh
