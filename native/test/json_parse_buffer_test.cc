#include <string>

#include "harness.h"
#include "json/json_value.h"

// parseJsonBuffer decodes with util's utf8Lossy (tested in util_utf8_test.cc).
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
