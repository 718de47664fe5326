// The framer of one client socket, allocated for its exact type: a text or
// json client's LineFramer is 24 bytes (a 32-byte chunk) where a
// std::variant of the three framers took 96 in every socket, sized for the
// WebSocket parser. One word: the pointer, with the kind in its two low bits
// (every framer is at least 8-byte aligned, so they are always zero).
#pragma once

#include <cstddef>
#include <cstdint>

#include "transport/framing_types.h"
#include "transport/length_prefix_framer.h"
#include "transport/line_framer.h"
#include "transport/websocket_parser.h"

namespace gh {

class ClientFramer {
 public:
  ClientFramer() = default;
  ~ClientFramer() { reset(); }
  ClientFramer(const ClientFramer&) = delete;
  ClientFramer& operator=(const ClientFramer&) = delete;

  // Each replaces the framer there was (a websocket listener's socket has none
  // until its upgrade).
  void setLine(uint32_t maxMessageSize, bool jsonLines);
  void setLengthPrefix(FrameOptions options, uint32_t maxMessageSize);
  void setWebSocket(uint32_t maxMessageSize);
  void reset();
  bool empty() const { return bits_ == 0; }

  // The framer's feed; true (nothing framed) without a framer.
  bool feed(uint8_t* data, size_t size, FramingSink& sink, FramingFailure* failure);

 private:
  enum Kind : uintptr_t { kNone = 0, kLine = 1, kLengthPrefix = 2, kWebSocket = 3, kKindMask = 3 };
  static_assert(alignof(LineFramer) >= 4 && alignof(LengthPrefixFramer) >= 4 && alignof(WebSocketParser) >= 4,
                "the kind lives in the pointer's two low bits");
  Kind kind() const { return static_cast<Kind>(bits_ & kKindMask); }
  void* object() const { return reinterpret_cast<void*>(bits_ & ~uintptr_t(kKindMask)); }
  void set(void* object, Kind kind);

  uintptr_t bits_ = 0;  // the framer's address | its kind; 0: none
};

}  // namespace gh
