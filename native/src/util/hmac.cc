#include "util/hmac.h"

#include <cstring>

namespace gh {

void hmacSha256(std::string_view key, std::string_view message, uint8_t out[kSha256Size]) {
  uint8_t k[kSha256BlockSize] = {0};
  if (key.size() > kSha256BlockSize) {
    sha256(reinterpret_cast<const uint8_t*>(key.data()), key.size(), k);
  } else if (!key.empty()) {
    std::memcpy(k, key.data(), key.size());
  }
  uint8_t pad[kSha256BlockSize];
  for (size_t i = 0; i < kSha256BlockSize; i++) pad[i] = k[i] ^ 0x36;
  uint8_t inner[kSha256Size];
  Sha256 in;
  in.update(pad, sizeof pad);
  in.update(reinterpret_cast<const uint8_t*>(message.data()), message.size());
  in.finish(inner);
  for (size_t i = 0; i < kSha256BlockSize; i++) pad[i] = k[i] ^ 0x5c;
  Sha256 outer;
  outer.update(pad, sizeof pad);
  outer.update(inner, sizeof inner);
  outer.finish(out);
}

bool constantTimeEqual(const uint8_t* a, const uint8_t* b, size_t n) {
  volatile uint8_t diff = 0;
  for (size_t i = 0; i < n; i++) diff = diff | (a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace gh
