// LengthPrefixFramer must give the same messages and verdict however the
// stream is cut, and hold no more than a header plus the limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "transport/length_prefix_framer.h"

namespace {

struct Recorder : gh::FramingSink {
  std::vector<std::string> events;
  uint32_t max = 0;
  void message(const uint8_t* data, size_t size, gh::PayloadKind kind) override {
    if (size > max || kind != gh::PayloadKind::Binary) std::abort();
    events.emplace_back(reinterpret_cast<const char*>(data), size);
  }
};

std::vector<std::string> run(gh::FrameOptions o, uint32_t max, const uint8_t* p, size_t n, size_t step, std::string* reason) {
  gh::LengthPrefixFramer framer(o, max);
  Recorder sink;
  sink.max = max;
  for (size_t i = 0; i < n; i += step) {
    size_t len = n - i < step ? n - i : step;
    std::vector<uint8_t> chunk(p + i, p + i + len);
    gh::FramingFailure failure;
    if (!framer.feed(chunk.data(), chunk.size(), sink, &failure)) {
      *reason = failure.reason;
      if (framer.buffered() != 0) std::abort();
      break;
    }
    if (framer.buffered() > o.headerSize + size_t{max}) std::abort();
  }
  return sink.events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  gh::FrameOptions o;
  o.headerSize = (data[0] & 1) ? 2 : 4;
  o.littleEndian = (data[0] & 2) != 0;
  o.lengthIncludesHeader = (data[0] & 4) != 0;
  uint32_t max = (data[0] & 8) ? 0xffffffffu : data[1];
  size_t step = (data[0] >> 4) + 1;
  std::string a, b, c;
  std::vector<std::string> whole = run(o, max, data + 2, size - 2, size, &a);
  std::vector<std::string> split = run(o, max, data + 2, size - 2, step, &b);
  std::vector<std::string> bytes = run(o, max, data + 2, size - 2, 1, &c);
  if (whole != split || whole != bytes || a != b || a != c) std::abort();
  return 0;
}
