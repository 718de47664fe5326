#include <cstring>
#include <string>

#include "harness.h"
#include "util/hmac.h"
#include "util/random.h"

using gh_test::hex;
using gh_test::unhex;

namespace {


std::string mac(const std::string& key, const std::string& msg) {
  uint8_t out[gh::kSha256Size];
  gh::hmacSha256(key, msg, out);
  return hex(out, sizeof out);
}
}  // namespace

// RFC 4231 test cases 1-4, 6, 7 (case 5 is a truncated MAC).
TEST(hmac_rfc4231) {
  CHECK_EQ(mac(std::string(20, '\x0b'), "Hi There"),
           "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK_EQ(mac("Jefe", "what do ya want for nothing?"),
           "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK_EQ(mac(std::string(20, '\xaa'), std::string(50, '\xdd')),
           "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  CHECK_EQ(mac(unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd')),
           "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  CHECK_EQ(mac(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
           "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  CHECK_EQ(mac(std::string(131, '\xaa'),
               "This is a test using a larger than block-size key and a larger than block-size data. The key needs "
               "to be hashed before being used by the HMAC algorithm."),
           "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(hmac_empty_key_and_block_sized_key) {
  // From node: crypto.createHmac('sha256', '').update('').digest('hex')
  CHECK_EQ(mac("", ""), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  CHECK_EQ(mac(std::string(64, 'k'), "m"), mac(std::string(64, 'k'), "m"));
}

TEST(constant_time_equal) {
  uint8_t a[32], b[32];
  std::memset(a, 7, sizeof a);
  std::memset(b, 7, sizeof b);
  CHECK(gh::constantTimeEqual(a, b, 32));
  b[31] = 8;
  CHECK(!gh::constantTimeEqual(a, b, 32));
  b[31] = 7;
  b[0] = 0;
  CHECK(!gh::constantTimeEqual(a, b, 32));
  CHECK(gh::constantTimeEqual(a, b, 0));
}

TEST(random_bytes_fill_and_differ) {
  uint8_t a[32] = {0}, b[32] = {0};
  gh::randomBytes(a, sizeof a);
  gh::randomBytes(b, sizeof b);
  CHECK(std::memcmp(a, b, sizeof a) != 0);
  uint8_t big[4096];
  gh::randomBytes(big, sizeof big);
  int zeros = 0;
  for (uint8_t v : big) zeros += v == 0;
  CHECK(zeros < 100);  // ~16 expected
  gh::randomBytes(nullptr, 0);
}
