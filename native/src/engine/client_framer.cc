#include "engine/client_framer.h"

namespace gh {

void ClientFramer::set(void* object, Kind kind) {
  reset();
  bits_ = reinterpret_cast<uintptr_t>(object) | kind;
}

void ClientFramer::setLine(uint32_t maxMessageSize, bool jsonLines) {
  set(new LineFramer(maxMessageSize, jsonLines), kLine);
}

void ClientFramer::setLengthPrefix(FrameOptions options, uint32_t maxMessageSize) {
  set(new LengthPrefixFramer(options, maxMessageSize), kLengthPrefix);
}

void ClientFramer::setWebSocket(uint32_t maxMessageSize) {
  set(new WebSocketParser(maxMessageSize), kWebSocket);
}

void ClientFramer::reset() {
  switch (kind()) {
    case kLine: delete static_cast<LineFramer*>(object()); break;
    case kLengthPrefix: delete static_cast<LengthPrefixFramer*>(object()); break;
    case kWebSocket: delete static_cast<WebSocketParser*>(object()); break;
    default: break;
  }
  bits_ = 0;
}

bool ClientFramer::feed(uint8_t* data, size_t size, FramingSink& sink, FramingFailure* failure) {
  switch (kind()) {
    case kLine: return static_cast<LineFramer*>(object())->feed(data, size, sink, failure);
    case kLengthPrefix: return static_cast<LengthPrefixFramer*>(object())->feed(data, size, sink, failure);
    case kWebSocket: return static_cast<WebSocketParser*>(object())->feed(data, size, sink, failure);
    default: return true;
  }
}

}  // namespace gh
