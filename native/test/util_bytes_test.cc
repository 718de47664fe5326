#include <string>

#include "harness.h"
#include "util/bytes.h"

using gh_test::hex;

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
