#pragma once
#include <cstddef>
#include <cstdint>

namespace gh {

// Fills p with n bytes from the kernel's CSPRNG (getrandom). It blocks only
// before the pool is first seeded at boot; it never fails quietly: on an
// unexpected error it aborts, since a predictable nonce would break the
// link handshake.
void randomBytes(uint8_t* p, size_t n);

}  // namespace gh
