#pragma once
#include <cstddef>
#include <cstdint>

namespace gh {

// SHA-1 (FIPS 180-4). Only for Sec-WebSocket-Accept, where RFC 6455 fixes it;
// nothing here relies on it for security.
void sha1(const uint8_t* data, size_t n, uint8_t out[20]);

}  // namespace gh
