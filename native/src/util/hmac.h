#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/sha256.h"

namespace gh {

// HMAC-SHA256 (RFC 2104); keys longer than a block are hashed first.
void hmacSha256(std::string_view key, std::string_view message, uint8_t out[kSha256Size]);

// Compares without an early exit, so a peer cannot learn a MAC byte by byte
// from timing.
bool constantTimeEqual(const uint8_t* a, const uint8_t* b, size_t n);

}  // namespace gh
