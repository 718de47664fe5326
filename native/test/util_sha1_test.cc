#include <string>

#include "harness.h"
#include "util/sha1.h"

namespace {

std::string hexSha1(const std::string& in) {
  uint8_t digest[20];
  gh::sha1(reinterpret_cast<const uint8_t*>(in.data()), in.size(), digest);
  return gh_test::hex(digest, sizeof digest);
}

}  // namespace

TEST(sha1_fips_vectors) {
  CHECK_EQ(hexSha1(""), std::string("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
  CHECK_EQ(hexSha1("abc"), std::string("a9993e364706816aba3e25717850c26c9cd0d89d"));
  CHECK_EQ(hexSha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
           std::string("84983e441c3bd26ebaae4aa1f95129e5e54670f1"));
  CHECK_EQ(hexSha1(std::string(1000000, 'a')), std::string("34aa973cd4c4daa4f61eeb2bdbad27316534016f"));
}

TEST(sha1_lengths_around_the_block_boundary) {
  // From Node: crypto.createHash('sha1').update('x'.repeat(n)).digest('hex').
  CHECK_EQ(hexSha1(std::string(55, 'x')), std::string("cef734ba81a024479e09eb5a75b6ddae62e6abf1"));
  CHECK_EQ(hexSha1(std::string(56, 'x')), std::string("901305367c259952f4e7af8323f480d59f81335b"));
  CHECK_EQ(hexSha1(std::string(63, 'x')), std::string("0ddc4e0cccd9a12850deb5abb0853a4425559fec"));
  CHECK_EQ(hexSha1(std::string(64, 'x')), std::string("bb2fa3ee7afb9f54c6dfb5d021f14b1ffe40c163"));
  CHECK_EQ(hexSha1(std::string(65, 'x')), std::string("78c741ddc482e4cdf8c474a0876347a0905b6233"));
}
