#include <string>

#include "harness.h"
#include "util/base64.h"

using gh::base64Decode;
using gh::base64Encode;

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
}
