// What every client framer shares: the payload kinds of the link protocol, the
// sink a framer delivers to, and how a framing failure is reported.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gh {

// The values of PayloadKind in src/protocol/constants.ts (they travel in Event frames).
enum class PayloadKind : uint8_t { Text = 0, Binary = 1, Json = 2 };

// Where a framer delivers what it finds, synchronously from feed(), in stream
// order. Pointers are valid only during the call: they point either into the
// chunk given to feed() (a message that lay whole in it: no copy) or into the
// framer's own buffer. A sink must not call feed() of the same framer.
class FramingSink {
 public:
  // One complete message, without delimiter/header/WebSocket framing.
  virtual void message(const uint8_t* data, size_t size, PayloadKind kind) = 0;
  // json listeners: a line that is not JSON (reason "invalid JSON: ..."); the
  // stream goes on with the next line.
  virtual void invalidJson(std::string_view /*reason*/, const uint8_t* /*line*/, size_t /*size*/) {}
  // WebSocket control frames (payload <= 125 bytes, unmasked).
  virtual void ping(const uint8_t* /*data*/, size_t /*size*/) {}
  virtual void pong(const uint8_t* /*data*/, size_t /*size*/) {}
  // The client's close frame: code 1005 when it had no payload (ws's rule), and
  // the UTF-8 reason. The parser ignores every byte after it, as ws does; ws
  // answers with close(code, reason), or an empty close for 1005.
  virtual void close(uint16_t /*code*/, const uint8_t* /*reason*/, size_t /*size*/) {}

 protected:
  ~FramingSink() = default;
};

enum class FailureKind : uint8_t {
  None = 0,
  TooLarge = 1,   // "message too large (limit N bytes)": the tooLarge counter
  Malformed = 2,  // anything else: the framingErrors counter
};

// Why a stream must be closed. reason is the close reason handlers see
// (ctx.reason), worded exactly as the JS engine words it (exact because apps
// and their logs match on it: docs/gateway.md "Close reasons"); wsCloseCode is the
// code of the close frame ws would send (1002, 1007, 1009; 0 for TCP framers).
struct FramingFailure {
  FailureKind kind = FailureKind::None;
  uint16_t wsCloseCode = 0;
  std::string reason;
};

// The `frame` protocol's header (listener.frame in the config).
struct FrameOptions {
  uint8_t headerSize = 4;  // 2 or 4
  bool littleEndian = false;
  bool lengthIncludesHeader = false;
};

// "message too large (limit N bytes)", the one wording every protocol uses.
std::string messageTooLargeReason(uint64_t maxMessageSize);

}  // namespace gh
