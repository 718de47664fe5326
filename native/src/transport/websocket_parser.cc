#include "transport/websocket_parser.h"

#include <algorithm>
#include <cstring>

#include "transport/websocket_frame.h"
#include "util/utf8.h"

namespace gh {

namespace {

// Failures, in ws's words (Receiver#createError); 0 is "not failed".
enum Error : uint8_t {
  kNone = 0,
  kRsv23,
  kRsv1,
  kOpcode,          // value: the opcode
  kFin,
  kControlLength,   // value: the 7-bit length
  kMask,
  kLength53,
  kTooLarge,
  kUtf8,
  kCloseCode,       // value: the code
  kNoMemory,
};

constexpr uint64_t kMaxSafeHigh = (uint64_t{1} << 21) - 1;  // high 32 bits of 2^53 - 1
constexpr size_t kMaxControlPayload = 125;

// XORs the mask into p[0..n), the first byte being byte `offset` of the payload.
void unmask(uint8_t* p, size_t n, const uint8_t mask[4], uint64_t offset) {
  uint8_t m[8];
  for (int k = 0; k < 8; k++) m[k] = mask[(offset + k) & 3];
  uint64_t word;
  std::memcpy(&word, m, 8);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    v ^= word;
    std::memcpy(p + i, &v, 8);
  }
  for (; i < n; i++) p[i] ^= m[i & 7];
}

size_t extendedLengthBytes(uint8_t secondByte) {
  uint8_t len7 = secondByte & 0x7f;
  return len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
}

}  // namespace

WebSocketParser::WebSocketParser(uint32_t maxMessageSize) : maxMessageSize_(maxMessageSize) {
  std::memset(header_, 0, sizeof header_);
}

size_t WebSocketParser::buffered() const { return headerHeld_ + message_.size() + control_.size(); }

size_t WebSocketParser::headerNeeded() const { return 2 + extendedLengthBytes(header_[1]) + 4; }

bool WebSocketParser::fail(uint8_t error, uint32_t value) {
  error_ = error;
  errorValue_ = value;
  state_ = kFailed;
  headerHeld_ = 0;
  message_.release();
  control_.release();
  return false;
}

void WebSocketParser::describe(FramingFailure* failure) const {
  if (failure == nullptr) return;
  const std::string frame = "invalid websocket frame: Invalid WebSocket frame: ";
  failure->kind = FailureKind::Malformed;
  failure->wsCloseCode = kWsProtocolError;
  switch (error_) {
    case kRsv23: failure->reason = frame + "RSV2 and RSV3 must be clear"; break;
    case kRsv1: failure->reason = frame + "RSV1 must be clear"; break;
    case kOpcode: failure->reason = frame + "invalid opcode " + std::to_string(errorValue_); break;
    case kFin: failure->reason = frame + "FIN must be set"; break;
    case kControlLength: failure->reason = frame + "invalid payload length " + std::to_string(errorValue_); break;
    case kMask: failure->reason = frame + "MASK must be set"; break;
    case kLength53:
      failure->wsCloseCode = kWsMessageTooBig;
      failure->reason = "invalid websocket frame: Unsupported WebSocket frame: payload length > 2^53 - 1";
      break;
    case kUtf8:
      failure->wsCloseCode = kWsInvalidPayload;
      failure->reason = frame + "invalid UTF-8 sequence";
      break;
    case kCloseCode: failure->reason = frame + "invalid status code " + std::to_string(errorValue_); break;
    default:  // kTooLarge, kNoMemory: a message the gateway will not hold
      failure->kind = FailureKind::TooLarge;
      failure->wsCloseCode = kWsMessageTooBig;
      failure->reason = messageTooLargeReason(maxMessageSize_);
      break;
  }
}

// The first two bytes are in: ws's getInfo checks, in its order.
bool WebSocketParser::headerDone(FramingSink& /*sink*/) {
  uint8_t b0 = header_[0], b1 = header_[1];
  if (b0 & 0x30) return fail(kRsv23, 0);
  // No extension is negotiated, so RSV1 is never allowed.
  if (b0 & 0x40) return fail(kRsv1, 0);
  fin_ = (b0 & 0x80) != 0;
  uint8_t opcode = b0 & 0x0f;
  uint8_t len7 = b1 & 0x7f;
  if (opcode == kWsContinuation) {
    if (fragmented_ == 0) return fail(kOpcode, 0);
    opcode_ = fragmented_;
  } else if (opcode == kWsText || opcode == kWsBinary) {
    if (fragmented_ != 0) return fail(kOpcode, opcode);
    opcode_ = opcode;
  } else if (opcode >= kWsClose && opcode <= kWsPong) {
    if (!fin_) return fail(kFin, 0);
    if (len7 > kMaxControlPayload || (opcode == kWsClose && len7 == 1)) return fail(kControlLength, len7);
    opcode_ = opcode;
  } else {
    return fail(kOpcode, opcode);
  }
  if (!fin_ && fragmented_ == 0) fragmented_ = opcode_;
  if ((b1 & 0x80) == 0) return fail(kMask, 0);
  return true;
}

bool WebSocketParser::feed(uint8_t* data, size_t size, FramingSink& sink, FramingFailure* failure) {
  if (size == 0 && state_ != kFailed) return true;
  size_t i = 0;
  for (;;) {
    if (state_ == kFailed) {
      describe(failure);
      return false;
    }
    if (state_ == kClosed) return true;  // ws ignores what follows the close frame
    if (state_ == kHeader) {
      if (i == size) return true;
      if (headerHeld_ < 2) {
        size_t take = std::min<size_t>(2 - headerHeld_, size - i);
        std::memcpy(header_ + headerHeld_, data + i, take);
        headerHeld_ = static_cast<uint8_t>(headerHeld_ + take);
        i += take;
        if (headerHeld_ < 2) return true;
        if (!headerDone(sink)) continue;
      }
      size_t lengthEnd = 2 + extendedLengthBytes(header_[1]);
      size_t full = lengthEnd + 4;
      size_t take = std::min(full - headerHeld_, size - i);
      std::memcpy(header_ + headerHeld_, data + i, take);
      headerHeld_ = static_cast<uint8_t>(headerHeld_ + take);
      i += take;
      if (!lengthKnown_ && headerHeld_ >= lengthEnd) {
        lengthKnown_ = true;
        // The length is known (ws's haveLength): bound it before any payload is held.
        uint8_t len7 = header_[1] & 0x7f;
        if (len7 == 126) {
          payloadLength_ = (uint64_t{header_[2]} << 8) | header_[3];
        } else if (len7 == 127) {
          uint64_t high = (uint64_t{header_[2]} << 24) | (uint64_t{header_[3]} << 16) | (uint64_t{header_[4]} << 8) | header_[5];
          uint64_t low = (uint64_t{header_[6]} << 24) | (uint64_t{header_[7]} << 16) | (uint64_t{header_[8]} << 8) | header_[9];
          if (high > kMaxSafeHigh) {
            fail(kLength53, 0);
            continue;
          }
          payloadLength_ = (high << 32) | low;
        } else {
          payloadLength_ = len7;
        }
        if (payloadLength_ > 0 && opcode_ < kWsClose) {
          messageLength_ += payloadLength_;
          if (messageLength_ > maxMessageSize_) {
            fail(kTooLarge, 0);
            continue;
          }
        }
      }
      if (headerHeld_ < full) return true;
      state_ = kPayload;
      payloadSeen_ = 0;
    }
    // kPayload
    const uint8_t* mask = header_ + headerNeeded() - 4;
    uint64_t remaining = payloadLength_ - payloadSeen_;
    size_t available = size - i;
    if (payloadSeen_ == 0 && available >= remaining) {
      // The whole payload is in this chunk: unmask it where it lies.
      size_t n = static_cast<size_t>(remaining);
      unmask(data + i, n, mask, 0);
      i += n;
      payloadDone(data + i - n, n, sink);
      continue;
    }
    size_t take = static_cast<size_t>(std::min<uint64_t>(remaining, available));
    unmask(data + i, take, mask, payloadSeen_);
    bool held = opcode_ >= kWsClose ? control_.append(data + i, take, kMaxControlPayload)
                                    : message_.append(data + i, take, maxMessageSize_);
    if (!held) {
      fail(kNoMemory, 0);
      continue;
    }
    i += take;
    payloadSeen_ += take;
    if (payloadSeen_ < payloadLength_) return true;
    if (opcode_ >= kWsClose) {
      HeldBytes payload = std::move(control_);
      payloadDone(payload.data(), payload.size(), sink);
    } else {
      payloadDone(nullptr, 0, sink);
    }
  }
}

bool WebSocketParser::payloadDone(const uint8_t* payload, size_t size, FramingSink& sink) {
  state_ = kHeader;
  headerHeld_ = 0;
  payloadSeen_ = 0;
  lengthKnown_ = false;
  if (opcode_ >= kWsClose) return controlFrameDone(payload, size, sink);
  return dataFrameDone(payload, size, sink);
}

// payload is null when the frame's bytes were appended to message_ as they came.
bool WebSocketParser::dataFrameDone(const uint8_t* payload, size_t size, FramingSink& sink) {
  bool view = payload != nullptr && fin_ && message_.empty();
  if (payload != nullptr && !view && !message_.append(payload, size, maxMessageSize_)) return fail(kNoMemory, 0);
  if (!fin_) return true;
  uint8_t opcode = opcode_;
  fragmented_ = 0;
  messageLength_ = 0;
  HeldBytes assembled = std::move(message_);
  const uint8_t* bytes = view ? payload : assembled.data();
  size_t length = view ? size : assembled.size();
  // ws checks text as one whole message, when its last fragment is in.
  if (opcode == kWsText && !utf8Valid(bytes, length)) return fail(kUtf8, 0);
  static const uint8_t kEmpty = 0;
  sink.message(length > 0 ? bytes : &kEmpty, length, opcode == kWsText ? PayloadKind::Text : PayloadKind::Binary);
  return true;
}

bool WebSocketParser::controlFrameDone(const uint8_t* payload, size_t size, FramingSink& sink) {
  static const uint8_t kEmpty = 0;
  if (size == 0) payload = &kEmpty;
  if (opcode_ == kWsPing) {
    sink.ping(payload, size);
  } else if (opcode_ == kWsPong) {
    sink.pong(payload, size);
  } else {
    uint16_t code = kWsNoStatus;
    if (size >= 2) {
      code = static_cast<uint16_t>((payload[0] << 8) | payload[1]);
      if (!webSocketCloseCodeValid(code)) return fail(kCloseCode, code);
      if (!utf8Valid(payload + 2, size - 2)) return fail(kUtf8, 0);
    }
    state_ = kClosed;
    message_.release();
    sink.close(code, size >= 2 ? payload + 2 : payload, size >= 2 ? size - 2 : 0);
  }
  return true;
}

}  // namespace gh
