// The OpenSSL wrappers of util/crypto.h against published vectors and Node's
// crypto module.
#include <cstring>
#include <string>

#include "harness.h"
#include "util/crypto.h"

using gh::base64Decode;
using gh::base64Encode;
using gh_test::hex;
using gh_test::unhex;

namespace {

const uint8_t* bytesOf(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

std::string hexSha1(const std::string& in) {
  uint8_t out[gh::kSha1Size];
  gh::sha1(bytesOf(in), in.size(), out);
  return hex(out, sizeof out);
}

std::string digest(const std::string& m) {
  uint8_t out[gh::kSha256Size];
  gh::sha256(bytesOf(m), m.size(), out);
  return hex(out, sizeof out);
}

std::string mac(const std::string& key, const std::string& msg) {
  uint8_t out[gh::kSha256Size];
  gh::hmacSha256(key, msg, out);
  return hex(out, sizeof out);
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

TEST(sha256_fips_vectors) {
  CHECK_EQ(digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK_EQ(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK_EQ(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK_EQ(digest(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(sha256_padding_edges) {
  // From node's crypto.createHash('sha256') over 'x'.repeat(n).
  CHECK_EQ(digest(std::string(55, 'x')), "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072");
  CHECK_EQ(digest(std::string(56, 'x')), "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e");
  CHECK_EQ(digest(std::string(63, 'x')), "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2");
  CHECK_EQ(digest(std::string(64, 'x')), "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
  CHECK_EQ(digest(std::string(65, 'x')), "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9");
  CHECK_EQ(digest(std::string(119, 'x')), "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c");
  CHECK_EQ(digest(std::string(120, 'x')), "13f05a0b594787f5ecd315edc96141bd3243203d1b7d4f0836f37308b276ba98");
}

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
  CHECK_EQ(mac(std::string(64, 'k'), "m"), "3b7a8d453e76edb519238a515105a57508d0f169f480ebeee120a9e7803289fa");
  CHECK_EQ(mac(std::string(65, 'k'), "m"), "c2d7d4c2256ddb097409ec0c67e1d58fa1a007fc6932cac0d892a525d08af7cc");
  uint8_t none[gh::kSha256Size];
  gh::hmacSha256(std::string_view(), std::string_view(), none);  // null data pointers
  CHECK_EQ(hex(none, sizeof none), mac("", ""));
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

TEST(base64_rfc4648_vectors) {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; i++) {
    CHECK_EQ(base64Encode(plain[i]), std::string(coded[i]));
    std::string out;
    CHECK(base64Decode(coded[i], &out));
    CHECK_EQ(out, std::string(plain[i]));
  }
}

TEST(base64_binary_round_trip) {
  std::string all;
  for (int i = 0; i < 256; i++) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); n += 7) {
    std::string in = all.substr(0, n), out;
    CHECK(base64Decode(base64Encode(in), &out));
    CHECK_EQ(out, in);
  }
  CHECK_EQ(base64Encode(std::string("\xff\xfe\xfd", 3)), std::string("//79"));
}

TEST(base64_decode_without_padding_and_refusals) {
  std::string out;
  CHECK(base64Decode("Zg", &out));
  CHECK_EQ(out, std::string("f"));
  CHECK(base64Decode("Zm8", &out));
  CHECK_EQ(out, std::string("fo"));
  CHECK(!base64Decode("Z", &out));
  CHECK(!base64Decode("Zg=", &out));
  CHECK(!base64Decode("Zh==", &out));   // leftover bits
  CHECK(!base64Decode("Zm9=", &out));   // leftover bits
  CHECK(!base64Decode("Zm 9v", &out));
  CHECK(!base64Decode("Zm9v\n", &out));
  CHECK(!base64Decode("Zm-_", &out));
  CHECK(!base64Decode("====", &out));
  CHECK(!base64Decode("Zg==Zg==", &out));
  // What EVP_DecodeBlock alone would let through: surrounding whitespace, '='
  // inside, a missing group.
  CHECK(!base64Decode(" Zg=", &out));
  CHECK(!base64Decode("\nZg=", &out));
  CHECK(!base64Decode("Zm9v    ", &out));
  CHECK(!base64Decode("Zm9v\r\n\r\n", &out));
  CHECK(!base64Decode("Zm=v", &out));
  CHECK(!base64Decode("Zg=\n", &out));
  CHECK(!base64Decode("=", &out));
  CHECK(base64Decode("", &out));
  CHECK_EQ(out, std::string());
}

TEST(base64_long_input_in_one_line) {
  // 100,001 bytes, more than one EVP_EncodeBlock chunk; from Node:
  // Buffer.from(bytes).toString('base64') is 133,336 characters with this SHA-256.
  std::string in(100001, '\0');
  for (size_t i = 0; i < in.size(); i++) in[i] = static_cast<char>((i * 7) & 255);
  std::string text = base64Encode(in);
  CHECK_EQ(text.size(), size_t{133336});
  CHECK(text.find('\n') == std::string::npos);
  CHECK_EQ(digest(text), "e1e169542b6c34f8c940d6fbf6ac1f0b4a913c15be57c7871aa130e79b0895dc");
  std::string back;
  CHECK(base64Decode(text, &back));
  CHECK(back == in);
}
