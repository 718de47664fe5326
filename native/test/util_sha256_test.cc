#include <string>

#include "harness.h"
#include "util/bytes.h"
#include "util/sha256.h"

using gh_test::hex;
using gh_test::unhex;

namespace {

std::string digest(const std::string& m) {
  uint8_t out[gh::kSha256Size];
  gh::sha256(gh::bytesOf(m), m.size(), out);
  return hex(out, sizeof out);
}
}  // namespace

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

TEST(sha256_incremental_equals_one_shot) {
  std::string m;
  for (int i = 0; i < 1000; i++) m.push_back(static_cast<char>(i * 7));
  for (size_t step : {1, 3, 63, 64, 65, 200}) {
    gh::Sha256 s;
    for (size_t i = 0; i < m.size(); i += step) {
      size_t n = m.size() - i < step ? m.size() - i : step;
      s.update(gh::bytesOf(m) + i, n);
    }
    uint8_t out[gh::kSha256Size];
    s.finish(out);
    CHECK_EQ(hex(out, sizeof out), digest(m));
  }
}

TEST(bytes_big_and_little_endian) {
  std::string s;
  gh::putU8(s, 0xAB);
  gh::putU16BE(s, 0x0102);
  gh::putU32BE(s, 0x03040506);
  gh::putU64BE(s, 0x0708090A0B0C0D0EULL);
  gh::putU16LE(s, 0x0102);
  gh::putU32LE(s, 0x03040506);
  gh::putU64LE(s, 0x0708090A0B0C0D0EULL);
  CHECK_EQ(s.size(), size_t{1 + 2 + 4 + 8 + 2 + 4 + 8});
  const uint8_t* p = gh::bytesOf(s);
  CHECK_EQ(hex(p, 15), "ab0102030405060708090a0b0c0d0e");
  CHECK_EQ(gh::getU16BE(p + 1), 0x0102);
  CHECK_EQ(gh::getU32BE(p + 3), 0x03040506u);
  CHECK_EQ(gh::getU64BE(p + 7), 0x0708090A0B0C0D0EULL);
  CHECK_EQ(gh::getU16LE(p + 15), 0x0102);
  CHECK_EQ(gh::getU32LE(p + 17), 0x03040506u);
  CHECK_EQ(gh::getU64LE(p + 21), 0x0708090A0B0C0D0EULL);
  CHECK_EQ(hex(p + 15, 14), "0201" "06050403" "0e0d0c0b0a090807");
  gh::setU32BE(s, 3, 0xFFFEFDFC);
  CHECK_EQ(gh::getU32BE(gh::bytesOf(s) + 3), 0xFFFEFDFCu);
}
