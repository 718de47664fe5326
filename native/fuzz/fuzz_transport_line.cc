// LineFramer (text and json) must deliver the same lines and reach the same
// verdict however the stream is cut into chunks, never deliver a line over the
// limit or containing '\n', and never hold more than the limit + 1.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "transport/line_framer.h"

namespace {

struct Recorder : gh::FramingSink {
  std::vector<std::string> events;
  uint32_t max = 0;
  void message(const uint8_t* data, size_t size, gh::PayloadKind kind) override {
    if (size > max || std::memchr(data, '\n', size) != nullptr) std::abort();
    events.push_back(std::to_string(static_cast<int>(kind)) + std::string(reinterpret_cast<const char*>(data), size));
  }
  void invalidJson(std::string_view reason, const uint8_t* line, size_t size) override {
    if (reason.rfind("invalid JSON: ", 0) != 0 || size > max) std::abort();
    events.push_back("I" + std::string(reinterpret_cast<const char*>(line), size));
  }
};

std::vector<std::string> run(uint32_t max, bool json, const uint8_t* p, size_t n, size_t step, std::string* reason) {
  gh::LineFramer framer(max, json);
  Recorder sink;
  sink.max = max;
  for (size_t i = 0; i < n; i += step) {
    size_t len = n - i < step ? n - i : step;
    std::vector<uint8_t> chunk(p + i, p + i + len);  // a fresh buffer, as a socket gives
    gh::FramingFailure failure;
    if (!framer.feed(chunk.data(), chunk.size(), sink, &failure)) {
      *reason = failure.reason;
      if (framer.buffered() != 0) std::abort();
      break;
    }
    if (framer.buffered() > size_t{max} + 1) std::abort();
  }
  return sink.events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  uint32_t max = data[0] % 64;
  bool json = (data[1] & 1) != 0;
  size_t step = (data[1] >> 1) % 17 + 1;
  std::string wholeReason, splitReason, byteReason;
  std::vector<std::string> whole = run(max, json, data + 2, size - 2, size, &wholeReason);
  std::vector<std::string> split = run(max, json, data + 2, size - 2, step, &splitReason);
  std::vector<std::string> bytes = run(max, json, data + 2, size - 2, 1, &byteReason);
  // Held bytes over the limit fail a split stream early, but only where the
  // line would be over the limit anyway: the same deliveries, the same verdict.
  if (whole != split || whole != bytes || wholeReason != splitReason || wholeReason != byteReason) std::abort();
  return 0;
}
