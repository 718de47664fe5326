// WebSocketParser must give the same events and verdict however the stream is
// cut (it unmasks in place, so each run gets its own copy), deliver only
// UTF-8 text, and never hold more than the limit plus a header and a control frame.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "transport/websocket_parser.h"
#include "util/utf8.h"

namespace {

struct Recorder : gh::FramingSink {
  std::vector<std::string> events;
  uint32_t max = 0;
  void message(const uint8_t* data, size_t size, gh::PayloadKind kind) override {
    if (size > max) std::abort();
    if (kind == gh::PayloadKind::Text && !gh::utf8Valid(data, size)) std::abort();
    events.push_back((kind == gh::PayloadKind::Text ? "T" : "B") + std::string(reinterpret_cast<const char*>(data), size));
  }
  void ping(const uint8_t* data, size_t size) override {
    if (size > 125) std::abort();
    events.push_back("i" + std::string(reinterpret_cast<const char*>(data), size));
  }
  void pong(const uint8_t* data, size_t size) override {
    if (size > 125) std::abort();
    events.push_back("o" + std::string(reinterpret_cast<const char*>(data), size));
  }
  void close(uint16_t code, const uint8_t* reason, size_t size) override {
    if (size > 123 || !gh::utf8Valid(reason, size)) std::abort();
    events.push_back("c" + std::to_string(code) + std::string(reinterpret_cast<const char*>(reason), size));
  }
};

std::vector<std::string> run(uint32_t max, const uint8_t* p, size_t n, size_t step) {
  gh::WebSocketParser parser(max);
  Recorder sink;
  sink.max = max;
  for (size_t i = 0; i < n; i += step) {
    size_t len = n - i < step ? n - i : step;
    std::vector<uint8_t> chunk(p + i, p + i + len);
    gh::FramingFailure failure;
    if (!parser.feed(chunk.data(), chunk.size(), sink, &failure)) {
      if (failure.reason.empty() || (failure.wsCloseCode != 1002 && failure.wsCloseCode != 1007 && failure.wsCloseCode != 1009)) std::abort();
      sink.events.push_back("E" + std::to_string(failure.wsCloseCode) + failure.reason);
      if (parser.buffered() != 0) std::abort();
      break;
    }
    if (parser.buffered() > size_t{max} + 14 + 125) std::abort();
  }
  return sink.events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  uint32_t max = data[0] < 128 ? data[0] : 0xffffu * data[0];
  size_t step = data[1] % 29 + 1;
  std::vector<std::string> whole = run(max, data + 2, size - 2, size);
  std::vector<std::string> split = run(max, data + 2, size - 2, step);
  std::vector<std::string> bytes = run(max, data + 2, size - 2, 1);
  if (whole != split || whole != bytes) std::abort();
  return 0;
}
