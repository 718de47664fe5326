#include "transport/json_line.h"

#include <string_view>

#include "json/json_valid.h"
#include "util/utf8.h"

namespace gh {

JsonLineVerdict judgeJsonLine(const uint8_t* line, size_t size) {
  JsonLineVerdict verdict;
  bool blank = true;
  for (size_t i = 0; i < size && blank; i++) {
    uint8_t b = line[i];
    blank = b == 0x20 || b == 0x09 || b == 0x0d;
  }
  if (blank) {
    verdict.kind = JsonLineKind::Blank;
    return verdict;
  }
  // Before parsing, because decoding would hide bad bytes behind U+FFFD.
  if (!utf8Valid(line, size)) {
    verdict.kind = JsonLineKind::Invalid;
    verdict.reason = "invalid JSON: not valid UTF-8";
    return verdict;
  }
  std::string error;
  if (!jsonValid(std::string_view(reinterpret_cast<const char*>(line), size), &error)) {
    verdict.kind = JsonLineKind::Invalid;
    verdict.reason = "invalid JSON: " + error;
  }
  return verdict;
}

}  // namespace gh
