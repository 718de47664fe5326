#include "core/outgoing_message.h"

#include "transport/encoders.h"
#include "transport/websocket_frame.h"

namespace gh {

bool encodeForListener(const ListenerEncoding& listener, std::string_view data, uint8_t flags, std::string* out,
                       std::string* error) {
  out->clear();
  if (flags & kCommandRaw) {
    out->assign(data.data(), data.size());
    return true;
  }
  switch (listener.protocol) {
    case ListenerProtocol::WebSocket:
      appendWebSocketFrame(*out, (flags & kCommandBinary) ? kWsBinary : kWsText, data);
      return true;
    case ListenerProtocol::Frame:
      return appendLengthPrefixed(*out, data, listener.frame, error);
    case ListenerProtocol::Text:
    case ListenerProtocol::Json:
      break;
  }
  appendLine(*out, data);
  return true;
}

const std::string* OutgoingMessage::bytesFor(size_t index, const ListenerEncoding& listener, bool* refusedNow,
                                             std::string* error) {
  *refusedNow = false;
  if (index >= cache_.size()) cache_.resize(index + 1);
  Slot& slot = cache_[index];
  if (slot.state == 1) return &slot.bytes;
  if (slot.state == 2) return nullptr;
  if (encodeForListener(listener, data_, flags_, &slot.bytes, error)) {
    slot.state = 1;
    return &slot.bytes;
  }
  slot.state = 2;
  slot.bytes.clear();
  *refusedNow = true;
  return nullptr;
}

}  // namespace gh
