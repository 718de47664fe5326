#pragma once
#include <cstddef>
#include <cstdint>

namespace gh {

constexpr size_t kSha256Size = 32;
constexpr size_t kSha256BlockSize = 64;

// Incremental SHA-256 (FIPS 180-4), for HMAC's two passes without copying.
class Sha256 {
 public:
  Sha256();
  void update(const uint8_t* p, size_t n);
  void finish(uint8_t out[kSha256Size]);

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[kSha256BlockSize];
  size_t bufLen_ = 0;
  uint64_t total_ = 0;
};

void sha256(const uint8_t* p, size_t n, uint8_t out[kSha256Size]);

}  // namespace gh
