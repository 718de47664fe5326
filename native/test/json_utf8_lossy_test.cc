#include <string>

#include "harness.h"
#include "json/json_value.h"
#include "json/utf8_lossy.h"

using gh_test::hex;
using gh_test::unhex;

namespace {

std::string lossy(std::string_view h) {
  std::string out;
  gh::appendUtf8Lossy(out, unhex(h));
  return hex(out);
}
}  // namespace

// From node v20: Buffer.from(Buffer.from(hex, 'hex').toString()).toString('hex').
TEST(lossy_matches_buffer_to_string) {
  CHECK_EQ(lossy("ff"), "efbfbd");
  CHECK_EQ(lossy("c0af"), "efbfbdefbfbd");
  CHECK_EQ(lossy("e080"), "efbfbdefbfbd");
  CHECK_EQ(lossy("eda080"), "efbfbdefbfbdefbfbd");
  CHECK_EQ(lossy("f4908080"), "efbfbdefbfbdefbfbdefbfbd");
  CHECK_EQ(lossy("e282"), "efbfbd");
  CHECK_EQ(lossy("e28241"), "efbfbd41");
  CHECK_EQ(lossy("f09f98"), "efbfbd");
  CHECK_EQ(lossy("f09f9841"), "efbfbd41");
  CHECK_EQ(lossy("8080"), "efbfbdefbfbd");
  CHECK_EQ(lossy("c2"), "efbfbd");
  CHECK_EQ(lossy("41c2c241"), "41efbfbdefbfbd41");
  CHECK_EQ(lossy("f888808080"), "efbfbdefbfbdefbfbdefbfbdefbfbd");
  CHECK_EQ(lossy("e0a0"), "efbfbd");
  CHECK_EQ(lossy("efbfbd"), "efbfbd");
  CHECK_EQ(lossy("ed9fbf"), "ed9fbf");
  CHECK_EQ(lossy("f08fbfbf"), "efbfbdefbfbdefbfbdefbfbd");
  CHECK_EQ(lossy("f48fbfbf"), "f48fbfbf");
  CHECK_EQ(lossy("feff"), "efbfbdefbfbd");
  CHECK_EQ(lossy(""), "");
  CHECK_EQ(lossy("41f09f988042"), "41f09f988042");
}

TEST(parse_json_buffer_decodes_like_node) {
  gh::JsonValue v;
  CHECK(!gh::parseJson("[\"\xff\"]", &v, nullptr));
  CHECK(gh::parseJsonBuffer("[\"\xff\"]", &v, nullptr));
  std::string out;
  gh::serializeJson(v, out);
  CHECK_EQ(out, "[\"\xef\xbf\xbd\"]");
  CHECK(!gh::parseJsonBuffer("[\xff]", &v, nullptr));          // U+FFFD outside a string
  CHECK(!gh::parseJsonBuffer("\xef\xbb\xbf{}", &v, nullptr));  // a BOM is not JSON whitespace
  CHECK(gh::parseJsonBuffer("{}", &v, nullptr));
}
