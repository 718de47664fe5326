#include "transport/websocket_frame.h"

namespace gh {

size_t webSocketHeaderSize(uint64_t payloadSize) {
  return payloadSize < 126 ? 2 : payloadSize < 65536 ? 4 : 10;
}

void appendWebSocketHeader(std::string& out, uint8_t opcode, uint64_t payloadSize) {
  out.push_back(static_cast<char>(0x80 | (opcode & 0x0f)));
  if (payloadSize < 126) {
    out.push_back(static_cast<char>(payloadSize));
  } else if (payloadSize < 65536) {
    out.push_back(static_cast<char>(126));
    out.push_back(static_cast<char>(payloadSize >> 8));
    out.push_back(static_cast<char>(payloadSize));
  } else {
    out.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(payloadSize >> shift));
  }
}

void appendWebSocketFrame(std::string& out, uint8_t opcode, std::string_view payload) {
  out.reserve(out.size() + webSocketHeaderSize(payload.size()) + payload.size());
  appendWebSocketHeader(out, opcode, payload.size());
  out.append(payload);
}

void appendWebSocketClose(std::string& out, uint16_t code, std::string_view reason) {
  if (code == 0) {
    appendWebSocketHeader(out, kWsClose, 0);
    return;
  }
  if (reason.size() > 123) reason = reason.substr(0, 123);
  appendWebSocketHeader(out, kWsClose, 2 + reason.size());
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code));
  out.append(reason);
}

bool webSocketCloseCodeValid(uint16_t code) {
  return (code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006) ||
         (code >= 3000 && code <= 4999);
}

}  // namespace gh
