#include "protocol/client_id.h"

namespace gh {

namespace {
int lowerHex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}
}  // namespace

bool isClientId(std::string_view id) {
  if (id.size() != kClientIdLength) return false;
  for (char c : id)
    if (lowerHex(c) < 0) return false;
  return true;
}

bool clientIdToBytes(std::string_view id, uint8_t out[kClientIdBytes]) {
  if (!isClientId(id)) return false;
  for (size_t i = 0; i < kClientIdBytes; i++)
    out[i] = static_cast<uint8_t>((lowerHex(id[2 * i]) << 4) | lowerHex(id[2 * i + 1]));
  return true;
}

void writeClientIdHex(char out[kClientIdLength], const uint8_t id[kClientIdBytes]) {
  static const char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < kClientIdBytes; i++) {
    out[2 * i] = kHex[id[i] >> 4];
    out[2 * i + 1] = kHex[id[i] & 15];
  }
}

void appendClientIdHex(std::string& out, const uint8_t id[kClientIdBytes]) {
  size_t at = out.size();
  out.resize(at + kClientIdLength);
  writeClientIdHex(&out[at], id);
}

std::string clientIdHex(const uint8_t id[kClientIdBytes]) {
  std::string s;
  s.reserve(kClientIdLength);
  appendClientIdHex(s, id);
  return s;
}

}  // namespace gh
