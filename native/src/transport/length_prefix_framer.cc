#include "transport/length_prefix_framer.h"

#include <algorithm>
#include <cstring>

namespace gh {

LengthPrefixFramer::LengthPrefixFramer(FrameOptions options, uint32_t maxMessageSize)
    : maxMessageSize_(maxMessageSize),
      headerSize_(options.headerSize == 2 ? 2 : 4),
      littleEndian_(options.littleEndian),
      lengthIncludesHeader_(options.lengthIncludesHeader) {}

size_t LengthPrefixFramer::buffered() const {
  return havePayloadLength_ ? headerSize_ + held_.size() : headerHeld_;
}

bool LengthPrefixFramer::readHeader(const uint8_t* p) {
  uint32_t length;
  if (headerSize_ == 2) {
    length = littleEndian_ ? (uint32_t{p[1]} << 8) | p[0] : (uint32_t{p[0]} << 8) | p[1];
  } else if (littleEndian_) {
    length = (uint32_t{p[3]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[1]} << 8) | p[0];
  } else {
    length = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  }
  uint32_t bias = lengthIncludesHeader_ ? headerSize_ : 0;
  if (length < bias) {
    badLength_ = length;
    failure_ = static_cast<uint8_t>(FailureKind::Malformed);
    return false;
  }
  if (length - bias > maxMessageSize_) {
    failure_ = static_cast<uint8_t>(FailureKind::TooLarge);
    return false;
  }
  payloadLength_ = length - bias;
  havePayloadLength_ = true;
  return true;
}

void LengthPrefixFramer::describe(FramingFailure* failure) const {
  if (failure == nullptr) return;
  failure->kind = static_cast<FailureKind>(failure_);
  failure->wsCloseCode = 0;
  if (failure->kind == FailureKind::TooLarge) {
    failure->reason = messageTooLargeReason(maxMessageSize_);
  } else {
    failure->reason = "malformed frame: length " + std::to_string(badLength_) + " is less than the " +
                      std::to_string(headerSize_) + "-byte header it includes";
  }
}

void LengthPrefixFramer::drop() {
  held_.release();
  headerHeld_ = 0;
  havePayloadLength_ = false;
  payloadLength_ = 0;
}

bool LengthPrefixFramer::feed(const uint8_t* data, size_t size, FramingSink& sink, FramingFailure* failure) {
  if (failure_ != 0) {
    describe(failure);
    return false;
  }
  if (size == 0) return true;
  size_t offset = 0;
  // Finish the message begun in earlier chunks.
  if (headerHeld_ > 0 || havePayloadLength_) {
    if (!havePayloadLength_) {
      size_t take = std::min<size_t>(headerSize_ - headerHeld_, size);
      std::memcpy(header_ + headerHeld_, data, take);
      headerHeld_ = static_cast<uint8_t>(headerHeld_ + take);
      offset = take;
      if (headerHeld_ < headerSize_) return true;
      headerHeld_ = 0;
      if (!readHeader(header_)) {
        drop();
        describe(failure);
        return false;
      }
    }
    size_t missing = payloadLength_ - held_.size();
    size_t available = size - offset;
    if (available < missing) {
      if (!held_.append(data + offset, available, payloadLength_)) {
        failure_ = static_cast<uint8_t>(FailureKind::TooLarge);
        drop();
        describe(failure);
        return false;
      }
      return true;
    }
    if (held_.empty()) {
      // The header was all that was held: the payload is whole in this chunk.
      havePayloadLength_ = false;
      sink.message(data + offset, missing, PayloadKind::Binary);
    } else {
      if (!held_.append(data + offset, missing, payloadLength_)) {
        failure_ = static_cast<uint8_t>(FailureKind::TooLarge);
        drop();
        describe(failure);
        return false;
      }
      HeldBytes payload = std::move(held_);
      havePayloadLength_ = false;
      sink.message(payload.data(), payload.size(), PayloadKind::Binary);
    }
    offset += missing;
  }
  // Whole messages straight out of the chunk.
  while (size - offset >= headerSize_) {
    if (!readHeader(data + offset)) {
      drop();
      describe(failure);
      return false;
    }
    size_t bodyStart = offset + headerSize_;
    if (size - bodyStart < payloadLength_) {
      if (!held_.append(data + bodyStart, size - bodyStart, payloadLength_)) {
        failure_ = static_cast<uint8_t>(FailureKind::TooLarge);
        drop();
        describe(failure);
        return false;
      }
      return true;
    }
    havePayloadLength_ = false;
    offset = bodyStart + payloadLength_;
    sink.message(data + bodyStart, payloadLength_, PayloadKind::Binary);
  }
  if (offset < size) {
    std::memcpy(header_, data + offset, size - offset);
    headerHeld_ = static_cast<uint8_t>(size - offset);
  }
  return true;
}

}  // namespace gh
