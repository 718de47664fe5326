// Lines for the `text` and `json` protocols, exactly as src/transport/line-framer.ts:
// a line ends at '\n'; that '\n' and one '\r' right before it are not part of
// the line; other '\r' bytes are kept; an empty line is a line. A line longer
// than maxMessageSize fails the stream, and while no '\n' has come it fails as
// soon as that is certain (held bytes over the limit, not counting a last '\r').
// Bytes after the last '\n' are held; nothing is delivered without its '\n'.
//
// json mode (the json listener): each line goes through judgeJsonLine(); blank
// lines are dropped, JSON lines are PayloadKind::Json messages, other lines go
// to sink.invalidJson() and the stream continues. text mode: every line is a
// PayloadKind::Text message.
//
// Idle cost: 24 bytes, no heap. A line within one chunk is delivered as a view
// of it; only a line spread over chunks is copied (once, as it arrives).
#pragma once
#include <cstddef>
#include <cstdint>

#include "transport/framing_types.h"
#include "transport/held_bytes.h"

namespace gh {

class LineFramer {
 public:
  LineFramer(uint32_t maxMessageSize, bool jsonLines);

  // Delivers every whole line of the chunk to the sink. False when the stream
  // broke the framing: *failure is filled (TooLarge, "message too large (limit
  // N bytes)"), the held bytes are dropped, and every later feed() fails the
  // same way without delivering anything. Lines before the failing one in the
  // same chunk are delivered first, as in JS.
  bool feed(const uint8_t* data, size_t size, FramingSink& sink, FramingFailure* failure);

  // Bytes held of an incomplete line.
  size_t buffered() const { return held_.size(); }
  bool failed() const { return failed_; }

 private:
  bool emit(const uint8_t* line, size_t size, FramingSink& sink);
  bool fail(FramingFailure* failure);

  HeldBytes held_;
  uint32_t maxMessageSize_;
  bool json_;
  bool failed_ = false;
};

}  // namespace gh
