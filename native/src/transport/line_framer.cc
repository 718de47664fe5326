#include "transport/line_framer.h"

#include <cstring>

#include "transport/json_line.h"

namespace gh {

namespace {
constexpr uint8_t kLf = 0x0a;
constexpr uint8_t kCr = 0x0d;
}  // namespace

LineFramer::LineFramer(uint32_t maxMessageSize, bool jsonLines) : maxMessageSize_(maxMessageSize), json_(jsonLines) {}

bool LineFramer::fail(FramingFailure* failure) {
  failed_ = true;
  held_.release();
  if (failure != nullptr) {
    failure->kind = FailureKind::TooLarge;
    failure->wsCloseCode = 0;
    failure->reason = messageTooLargeReason(maxMessageSize_);
  }
  return false;
}

bool LineFramer::emit(const uint8_t* line, size_t size, FramingSink& sink) {
  if (size > 0 && line[size - 1] == kCr) size--;
  if (size > maxMessageSize_) return false;
  if (!json_) {
    sink.message(line, size, PayloadKind::Text);
    return true;
  }
  JsonLineVerdict verdict = judgeJsonLine(line, size);
  if (verdict.kind == JsonLineKind::Message) sink.message(line, size, PayloadKind::Json);
  else if (verdict.kind == JsonLineKind::Invalid) sink.invalidJson(verdict.reason, line, size);
  return true;
}

bool LineFramer::feed(const uint8_t* data, size_t size, FramingSink& sink, FramingFailure* failure) {
  if (failed_) return fail(failure);
  size_t start = 0;
  const void* hit = size > 0 ? std::memchr(data, kLf, size) : nullptr;
  if (hit != nullptr && !held_.empty()) {
    // The first line began in earlier chunks: finish it in the held buffer.
    size_t newline = static_cast<const uint8_t*>(hit) - data;
    // The held part is already within max + 1 ('\r'); the whole line may not be.
    if (held_.size() + newline > size_t{maxMessageSize_} + 1) return fail(failure);
    if (!held_.append(data, newline, size_t{maxMessageSize_} + 1)) return fail(failure);
    // The line is handed out from held_, so held_ must stay intact until the sink returns.
    HeldBytes line = std::move(held_);
    if (!emit(line.data(), line.size(), sink)) return fail(failure);
    start = newline + 1;
    hit = start < size ? std::memchr(data + start, kLf, size - start) : nullptr;
  }
  while (hit != nullptr) {
    size_t newline = static_cast<const uint8_t*>(hit) - data;
    if (!emit(data + start, newline - start, sink)) return fail(failure);
    start = newline + 1;
    hit = start < size ? std::memchr(data + start, kLf, size - start) : nullptr;
  }
  if (start == size) return true;
  size_t tail = size - start;
  size_t trailingCr = data[size - 1] == kCr ? 1 : 0;
  if (held_.size() + tail - trailingCr > maxMessageSize_) return fail(failure);
  if (!held_.append(data + start, tail, size_t{maxMessageSize_} + 1)) return fail(failure);
  return true;
}

}  // namespace gh
