#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/link_protocol.h"

namespace gh {

// Splits a link's byte stream into frames (u32 length ‖ u8 type ‖ body), like
// src/protocol/frame-decoder.ts. Frames that lie inside one fed chunk are
// handed out as views into it (no copy); only a frame split across chunks is
// assembled, in a buffer bounded by 4 + maxFrameSize. A length of 0 or over
// maxFrameSize fails the decoder with the JS reason ("frame with length 0 (no
// type byte)", "frame of N bytes exceeds the limit of M"), checked as soon as
// the 4 length bytes are in; frames before it are still delivered. A failed
// decoder stays failed.
class LinkFrameDecoder {
 public:
  explicit LinkFrameDecoder(uint32_t maxFrameSize = kDefaultMaxFrameSize) : max_(maxFrameSize) {}

  // Calls sink(uint8_t type, std::string_view body) -> bool for each whole
  // frame, in order; the body is valid only during the call. A sink returning
  // false stops the decoder for good (its link is closing): the rest is
  // dropped and later feeds do nothing. Returns false when the stream is
  // broken (see error()).
  template <typename Sink>
  bool feed(const uint8_t* p, size_t n, Sink&& sink);

  bool failed() const { return failed_; }
  bool stopped() const { return stopped_; }
  const std::string& error() const { return error_; }
  // Bytes held of an incomplete frame.
  size_t buffered() const { return pendingDelivered_ ? 0 : pending_.size(); }

 private:
  enum class Step { Frame, NeedMore, Error };
  // Takes the next whole frame from pending bytes and (p, n), advancing them.
  Step next(const uint8_t** p, size_t* n, uint8_t* type, std::string_view* body);
  bool checkLength(uint32_t length);

  uint32_t max_;
  std::string pending_;
  bool pendingDelivered_ = false;  // pending_ holds a frame the sink has seen
  bool failed_ = false;
  bool stopped_ = false;
  std::string error_;
};

template <typename Sink>
bool LinkFrameDecoder::feed(const uint8_t* p, size_t n, Sink&& sink) {
  if (failed_) return false;
  if (stopped_) return true;
  for (;;) {
    uint8_t type = 0;
    std::string_view body;
    Step step = next(&p, &n, &type, &body);
    if (step == Step::NeedMore) return true;
    if (step == Step::Error) return false;
    if (!sink(type, body)) {
      stopped_ = true;
      pending_.clear();
      return true;
    }
  }
}

}  // namespace gh
