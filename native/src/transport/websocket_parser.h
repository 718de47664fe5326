// Server-side WebSocket frame parser (RFC 6455, no extensions), with the
// verdicts and the order of checks of ws 8's Receiver (isServer, maxPayload =
// maxMessageSize, perMessageDeflate off), which is what the JS engine runs:
// - RSV2/RSV3 set, RSV1 set, opcode 0 outside a fragmented message, opcode 1/2
//   inside one, control frames without FIN or with a 7-bit length > 125 (or a
//   close frame of 1 byte), unknown opcodes, then an unmasked frame: 1002;
// - a 64-bit length >= 2^53: 1009 (a framing error, not "too large");
// - the declared payload lengths of a message's data frames summing past
//   maxMessageSize: 1009 "message too large (limit N bytes)", decided on the
//   header, before any of the payload is held;
// - a text message (checked whole, when its last fragment is in) or a close
//   reason that is not UTF-8: 1007; a close code ws does not accept: 1002.
// Failure reasons are the JS engine's: "invalid websocket frame: " + ws's
// error message (e.g. "invalid websocket frame: Invalid WebSocket frame: MASK
// must be set"), or the too-large reason.
//
// Control frames may come between the fragments of a message. After the
// client's close frame every further byte is ignored (as ws ignores it).
//
// Idle cost: 88 bytes, no heap. A frame that lies whole in the chunk is
// unmasked in place and delivered as a view of the chunk: feed() writes to the
// bytes it is given. A message spread over chunks or fragments is assembled in
// a buffer that is released when it is delivered.
#pragma once
#include <cstddef>
#include <cstdint>

#include "transport/framing_types.h"
#include "transport/held_bytes.h"

namespace gh {

class WebSocketParser {
 public:
  explicit WebSocketParser(uint32_t maxMessageSize);

  // Parses the chunk (unmasking it in place), calling sink.message (Text or
  // Binary), ping, pong and close. False when the stream broke the protocol:
  // *failure gets the kind, the close code to send and the reason; held bytes
  // are dropped and every later feed() fails the same way.
  bool feed(uint8_t* data, size_t size, FramingSink& sink, FramingFailure* failure);

  // Bytes held of an incomplete frame header, control frame or message.
  size_t buffered() const;
  bool failed() const { return error_ != 0; }
  // The client's close frame has been received (later bytes are ignored).
  bool closeReceived() const { return state_ == kClosed; }

 private:
  enum State : uint8_t { kHeader, kPayload, kClosed, kFailed };

  bool headerDone(FramingSink& sink);  // the header in header_ is whole: check it
  bool payloadDone(const uint8_t* payload, size_t size, FramingSink& sink);
  bool dataFrameDone(const uint8_t* payload, size_t size, FramingSink& sink);
  bool controlFrameDone(const uint8_t* payload, size_t size, FramingSink& sink);
  bool fail(uint8_t error, uint32_t value);
  void describe(FramingFailure* failure) const;
  size_t headerNeeded() const;

  HeldBytes message_;   // fragments of the data message so far
  HeldBytes control_;   // a control frame's payload spread over chunks
  uint64_t payloadLength_ = 0;  // of the current frame
  uint64_t payloadSeen_ = 0;    // bytes of it consumed so far
  uint64_t messageLength_ = 0;  // declared lengths of the current message's data frames
  uint32_t maxMessageSize_;
  uint32_t errorValue_ = 0;  // the number in the failure reason (opcode, length, code)
  uint8_t header_[14];       // 2 bytes, 0/2/8 length bytes, 4 mask bytes
  uint8_t headerHeld_ = 0;
  uint8_t opcode_ = 0;       // of the current frame (continuations: the message's opcode)
  uint8_t fragmented_ = 0;   // opcode of the unfinished fragmented message, or 0
  bool fin_ = false;
  bool lengthKnown_ = false;  // the current header's length has been read and bounded
  uint8_t state_ = kHeader;
  uint8_t error_ = 0;        // 0, or which failure (websocket_parser.cc)
};

}  // namespace gh
