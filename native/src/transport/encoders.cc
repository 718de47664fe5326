#include "transport/encoders.h"

#include <cstdint>

namespace gh {

void appendLine(std::string& out, std::string_view data) {
  out.reserve(out.size() + data.size() + 1);
  out.append(data);
  out.push_back('\n');
}

bool appendLengthPrefixed(std::string& out, std::string_view data, FrameOptions options, std::string* error) {
  unsigned headerSize = options.headerSize == 2 ? 2 : 4;
  uint64_t bias = options.lengthIncludesHeader ? headerSize : 0;
  uint64_t maxLength = headerSize == 2 ? 0xffff : 0xffffffff;
  uint64_t length = data.size() + bias;
  if (length > maxLength) {
    if (error != nullptr) {
      *error = "message of " + std::to_string(data.size()) + " bytes is too long for a " + std::to_string(headerSize) +
               "-byte frame header (at most " + std::to_string(maxLength - bias) + " bytes)";
    }
    return false;
  }
  out.reserve(out.size() + headerSize + data.size());
  for (unsigned i = 0; i < headerSize; i++) {
    unsigned shift = options.littleEndian ? 8 * i : 8 * (headerSize - 1 - i);
    out.push_back(static_cast<char>((length >> shift) & 0xff));
  }
  out.append(data);
  return true;
}

}  // namespace gh
