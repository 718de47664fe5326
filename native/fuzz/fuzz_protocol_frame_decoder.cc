// The link frame decoder must give the same frames and the same verdict
// however the stream is cut into chunks, and never read out of bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "protocol/frame_decoder.h"

namespace {
struct Result {
  std::vector<std::pair<uint8_t, std::string>> frames;
  bool ok = true;
  std::string error;
};

Result run(uint32_t max, const uint8_t* p, size_t n, size_t step, size_t stopAfter) {
  gh::LinkFrameDecoder d(max);
  Result r;
  for (size_t i = 0; i < n && r.ok; i += step) {
    size_t len = n - i < step ? n - i : step;
    r.ok = d.feed(p + i, len, [&](uint8_t type, std::string_view body) {
      r.frames.emplace_back(type, std::string(body));
      return r.frames.size() < stopAfter;
    });
  }
  r.error = d.error();
  if (d.buffered() > 4 + static_cast<size_t>(max)) std::abort();
  return r;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  uint32_t max = 1 + (data[0] % 64) * 37;  // small bounds, so both errors are reachable
  size_t step = 1 + data[1] % 17;
  size_t stopAfter = data[1] & 0x80 ? 1 + (data[1] % 5) : SIZE_MAX;
  data += 2;
  size -= 2;
  Result whole = run(max, data, size, size == 0 ? 1 : size, stopAfter);
  Result pieces = run(max, data, size, step, stopAfter);
  if (whole.ok != pieces.ok || whole.error != pieces.error || whole.frames != pieces.frames) std::abort();
  return 0;
}
