// The client protocol of a listener, as the core and the I/O layer both need it
// (the core encodes per listener and names the protocol in Hello and reports).
#pragma once

#include <cstdint>

namespace gh {

enum class ListenerProtocol : uint8_t { Text = 0, Json = 1, Frame = 2, WebSocket = 3 };

// "text" | "json" | "frame" | "websocket" (the config's listener.protocol values).
inline const char* listenerProtocolName(ListenerProtocol protocol) {
  switch (protocol) {
    case ListenerProtocol::Text: return "text";
    case ListenerProtocol::Json: return "json";
    case ListenerProtocol::Frame: return "frame";
    case ListenerProtocol::WebSocket: return "websocket";
  }
  return "text";
}

}  // namespace gh
