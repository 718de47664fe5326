// SHA-1, SHA-256, HMAC-SHA256 and base64, from OpenSSL (docs/native-engine.md,
// "OpenSSL": the addon uses the OpenSSL inside the node binary, the standalone
// builds link -lcrypto). Thin wrappers: OpenSSL's headers stay in crypto.cc.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gh {

constexpr size_t kSha1Size = 20;
constexpr size_t kSha256Size = 32;

// SHA-1 is only for Sec-WebSocket-Accept, where RFC 6455 fixes it. A digest
// never fails quietly: if OpenSSL cannot compute one (out of memory) the
// process aborts, since a zeroed MAC would be a MAC anyone can forge.
void sha1(const uint8_t* data, size_t n, uint8_t out[kSha1Size]);
void sha256(const uint8_t* data, size_t n, uint8_t out[kSha256Size]);
void hmacSha256(std::string_view key, std::string_view message, uint8_t out[kSha256Size]);

// Compares without an early exit (CRYPTO_memcmp), so a peer cannot learn a MAC
// byte by byte from timing.
bool constantTimeEqual(const uint8_t* a, const uint8_t* b, size_t n);

// Standard alphabet (RFC 4648 section 4), with '=' padding, no line breaks.
std::string base64Encode(std::string_view bytes);

// Strict decoding of the standard alphabet: padding optional but, when present,
// correct; no whitespace, no URL-safe characters, no bits left over in the last
// character (so only the canonical encoding of some bytes decodes). Texts over
// 1 GiB are refused. On false *out is unspecified.
bool base64Decode(std::string_view text, std::string* out);

}  // namespace gh
