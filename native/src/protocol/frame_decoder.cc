#include "protocol/frame_decoder.h"

#include "util/bytes.h"

namespace gh {

namespace {
// A buffer that once held a big frame is given back rather than kept for
// the link's lifetime.
constexpr size_t kKeepCapacity = 256 * 1024;
}  // namespace

bool LinkFrameDecoder::checkLength(uint32_t length) {
  if (length < 1) {
    error_ = "frame with length 0 (no type byte)";
  } else if (length > max_) {
    error_ = "frame of " + std::to_string(length) + " bytes exceeds the limit of " + std::to_string(max_);
  } else {
    return true;
  }
  failed_ = true;
  pending_.clear();
  return false;
}

LinkFrameDecoder::Step LinkFrameDecoder::next(const uint8_t** p, size_t* n, uint8_t* type, std::string_view* body) {
  if (pendingDelivered_) {
    pendingDelivered_ = false;
    if (pending_.capacity() > kKeepCapacity) {
      std::string().swap(pending_);
    } else {
      pending_.clear();
    }
  }
  if (!pending_.empty()) {
    if (*n == 0) return Step::NeedMore;
    // Complete the length field first, then exactly the rest of this frame.
    if (pending_.size() < 4) {
      size_t take = 4 - pending_.size() < *n ? 4 - pending_.size() : *n;
      pending_.append(reinterpret_cast<const char*>(*p), take);
      *p += take;
      *n -= take;
      if (pending_.size() < 4) return Step::NeedMore;
      if (!checkLength(getU32BE(bytesOf(pending_)))) return Step::Error;
    }
    size_t total = 4 + static_cast<size_t>(getU32BE(bytesOf(pending_)));
    size_t take = total - pending_.size() < *n ? total - pending_.size() : *n;
    pending_.append(reinterpret_cast<const char*>(*p), take);
    *p += take;
    *n -= take;
    if (pending_.size() < total) return Step::NeedMore;
    *type = static_cast<uint8_t>(pending_[4]);
    *body = std::string_view(pending_).substr(kFrameHeaderSize);
    pendingDelivered_ = true;
    return Step::Frame;
  }
  if (*n == 0) return Step::NeedMore;
  if (*n < 4) {
    pending_.append(reinterpret_cast<const char*>(*p), *n);
    *p += *n;
    *n = 0;
    return Step::NeedMore;
  }
  uint32_t length = getU32BE(*p);
  if (!checkLength(length)) return Step::Error;
  if (*n - 4 < length) {
    // Grown as bytes arrive, not reserved from the announced length, so a
    // peer cannot make every link hold maxFrameSize with 4 bytes.
    pending_.append(reinterpret_cast<const char*>(*p), *n);
    *p += *n;
    *n = 0;
    return Step::NeedMore;
  }
  *type = (*p)[4];
  *body = std::string_view(reinterpret_cast<const char*>(*p) + kFrameHeaderSize, length - 1);
  *p += 4 + static_cast<size_t>(length);
  *n -= 4 + static_cast<size_t>(length);
  return Step::Frame;
}

}  // namespace gh
