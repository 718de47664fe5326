#include "util/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

namespace gh {

namespace {

const unsigned char* uc(const void* p) { return static_cast<const unsigned char*>(p); }

// Never a null pointer, even for an empty (default-constructed) view.
const unsigned char* bytesOf(std::string_view s) {
  static const unsigned char kEmpty = 0;
  return s.empty() ? &kEmpty : uc(s.data());
}

[[noreturn]] void cryptoFailed(const char* what) {
  std::fprintf(stderr, "gatehouse: OpenSSL %s failed\n", what);
  std::abort();
}

void digest(const EVP_MD* md, const uint8_t* data, size_t n, uint8_t* out) {
  if (EVP_Digest(data, n, out, nullptr, md, nullptr) != 1) cryptoFailed("EVP_Digest");
}

}  // namespace

void sha1(const uint8_t* data, size_t n, uint8_t out[kSha1Size]) { digest(EVP_sha1(), data, n, out); }

void sha256(const uint8_t* data, size_t n, uint8_t out[kSha256Size]) { digest(EVP_sha256(), data, n, out); }

void hmacSha256(std::string_view key, std::string_view message, uint8_t out[kSha256Size]) {
  // HMAC() takes an int key length; a longer key is replaced by its hash first,
  // as RFC 2104 does for any key longer than a block.
  uint8_t hashed[kSha256Size];
  if (key.size() > INT_MAX) {
    sha256(uc(key.data()), key.size(), hashed);
    key = std::string_view(reinterpret_cast<const char*>(hashed), sizeof hashed);
  }
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), bytesOf(key), static_cast<int>(key.size()), bytesOf(message), message.size(), out, &length) ==
          nullptr ||
      length != kSha256Size) {
    cryptoFailed("HMAC");
  }
}

bool constantTimeEqual(const uint8_t* a, const uint8_t* b, size_t n) { return CRYPTO_memcmp(a, b, n) == 0; }

std::string base64Encode(std::string_view bytes) {
  // EVP_EncodeBlock takes an int length and writes a NUL after its text: whole
  // 3-byte groups at a time, into room for the text plus that NUL.
  constexpr size_t kChunk = 3 * 16384;
  std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');
  size_t written = 0;
  for (size_t i = 0; i < bytes.size(); i += kChunk) {
    size_t n = bytes.size() - i < kChunk ? bytes.size() - i : kChunk;
    written += static_cast<size_t>(
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[written]), uc(bytes.data() + i), static_cast<int>(n)));
  }
  out.resize(written);
  return out;
}

bool base64Decode(std::string_view text, std::string* out) {
  out->clear();
  if (text.size() > (size_t{1} << 30)) return false;
  // EVP_DecodeBlock wants whole groups of four, decodes '=' as zero bits
  // (its output counts the padding bytes), skips surrounding whitespace and
  // ignores leftover bits: it is strict enough only with the check at the end,
  // that the bytes encode back to exactly the (padded) text.
  std::string padded(text);
  if (padded.size() % 4 != 0) {
    if (padded.back() == '=') return false;
    padded.append(4 - padded.size() % 4, '=');
  }
  size_t pads = 0;
  while (pads < padded.size() && padded[padded.size() - 1 - pads] == '=') pads++;
  if (pads > 2) return false;
  out->resize(padded.size() / 4 * 3);
  int got = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(&(*out)[0]), uc(padded.data()), static_cast<int>(padded.size()));
  if (got < 0 || static_cast<size_t>(got) < pads) return false;
  out->resize(static_cast<size_t>(got) - pads);
  return base64Encode(*out) == padded;
}

}  // namespace gh
