// Length-prefixed messages for the `frame` protocol, exactly as
// src/transport/length-prefix-framer.ts: a header of 2 or 4 bytes holding an
// unsigned length (big- or little-endian), then the payload. With
// lengthIncludesHeader the length counts the header too, and a length below
// the header size is a malformed frame. The payload length is checked against
// maxMessageSize as soon as the header is complete, before any body is held.
// A zero-length payload is a message.
//
// Idle cost: 40 bytes, no heap. A message within one chunk is delivered as a
// view of it; held bytes grow only with bytes received, never with a declared
// length, and are released when the message is complete.
#pragma once
#include <cstddef>
#include <cstdint>

#include "transport/framing_types.h"
#include "transport/held_bytes.h"

namespace gh {

class LengthPrefixFramer {
 public:
  // options.headerSize must be 2 or 4 (the config validates it; anything else is taken as 4).
  LengthPrefixFramer(FrameOptions options, uint32_t maxMessageSize);

  // Delivers every whole message of the chunk (PayloadKind::Binary). False when
  // the stream broke the framing: *failure gets TooLarge "message too large
  // (limit N bytes)" or Malformed "malformed frame: length L is less than the
  // H-byte header it includes"; held bytes are dropped and every later feed()
  // fails the same way.
  bool feed(const uint8_t* data, size_t size, FramingSink& sink, FramingFailure* failure);

  // Bytes received of the incomplete message, its header included.
  size_t buffered() const;
  bool failed() const { return failure_ != 0; }

 private:
  bool readHeader(const uint8_t* p);  // sets payloadLength_ or the failure
  void describe(FramingFailure* failure) const;
  void drop();

  HeldBytes held_;
  uint32_t maxMessageSize_;
  uint32_t payloadLength_ = 0;  // of the message being assembled, once its header is whole
  uint32_t badLength_ = 0;      // the declared length of a malformed frame, for the reason
  uint8_t header_[4] = {0, 0, 0, 0};
  uint8_t headerHeld_ = 0;
  uint8_t headerSize_;
  bool littleEndian_;
  bool lengthIncludesHeader_;
  bool havePayloadLength_ = false;
  uint8_t failure_ = 0;  // 0, or the FailureKind once failed
};

}  // namespace gh
