#include <string>
#include <vector>

#include "harness.h"
#include "json/json_string.h"
#include "json/json_valid.h"

using gh::appendJsonString;
using gh::jsonValid;

namespace {
struct Case {
  const char* text;
  bool ok;
};
// Verdicts taken from node's JSON.parse (v20).
const Case kCases[] = {
  {"0", true},
  {"-0", true},
  {"01", false},
  {"-", false},
  {"1.", false},
  {"1.5", true},
  {".5", false},
  {"1e5", true},
  {"1E+5", true},
  {"1e", false},
  {"1e-", false},
  {"-1.5e-10", true},
  {"00", false},
  {"1.0e+2", true},
  {"true", true},
  {"false", true},
  {"null", true},
  {"nul", false},
  {"tru", false},
  {"[]", true},
  {"[1,]", false},
  {"[,1]", false},
  {"{}", true},
  {"{\"a\":1}", true},
  {"{\"a\":1,}", false},
  {"{a:1}", false},
  {"{'a':1}", false},
  {"\"abc\"", true},
  {"\"a\\\"b\"", true},
  {"\"\\u00e9\"", true},
  {"\"\\u00G0\"", false},
  {"\"\\x\"", false},
  {"\"\\/\"", true},
  {"\"\t\"", false},
  {"\" \\t \"", true},
  {" [1, 2 ] ", true},
  {"\n\r\t 1 \n", true},
  {"\f1", false},
  {" 1", false},
  {"1 2", false},
  {"[1]]", false},
  {"[[]", false},
  {"{\"a\" 1}", false},
  {"{\"a\":}", false},
  {"\"\\ud800\"", true},
  {"\"\\udc00\\ud800\"", true},
  {"", false},
  {" ", false},
  {"\"", false},
  {"\"abc", false},
  {"[1", false},
  {"{\"a\":1", false},
  {"NaN", false},
  {"Infinity", false},
  {"-Infinity", false},
  {"+1", false},
  {"0x10", false},
  {"1_0", false},
  {"\"é\"", true},
  {"\" \"", true},
  {"[true,false,null]", true},
  {"{\"\":\"\"}", true},
  {"{\"a\":1 \"b\":2}", false},
  {"-01", false},
  {"-0.0", true},
  {"0e0", true},
  {"123456789012345678901234567890", true},
};

std::string nested(int depth, char open, char close) {
  return std::string(static_cast<size_t>(depth), open) + std::string(static_cast<size_t>(depth), close);
}

std::string str(std::string_view s) {
  std::string out;
  appendJsonString(out, s);
  return out;
}
}  // namespace

TEST(valid_matches_json_parse) {
  for (const Case& c : kCases) {
    std::string error;
    bool ok = jsonValid(c.text, &error);
    if (ok != c.ok) gh_test::fail(__FILE__, __LINE__, std::string("verdict differs for ") + c.text);
    if (!ok) CHECK(!error.empty());
  }
}

TEST(valid_null_error_pointer) {
  CHECK(!jsonValid("[", nullptr));
  CHECK(jsonValid("[]", nullptr));
}

TEST(valid_embedded_nul_refused) {
  CHECK(!jsonValid(std::string_view("\"a\0b\"", 5), nullptr));
  CHECK(!jsonValid(std::string_view("1\0", 2), nullptr));
}

TEST(valid_invalid_utf8_in_string_refused) {
  std::string error;
  CHECK(!jsonValid("\"\xff\"", &error));
  CHECK(error.find("UTF-8") != std::string::npos);
  CHECK(!jsonValid("\"\xc0\xaf\"", nullptr));          // overlong
  CHECK(!jsonValid("\"\xed\xa0\x80\"", nullptr));      // raw surrogate
  CHECK(!jsonValid("\"\xf4\x90\x80\x80\"", nullptr));  // above U+10FFFF
  CHECK(!jsonValid("\"\xe2\x82\"", nullptr));          // truncated
  CHECK(jsonValid("\"\xf0\x9f\x98\x80\"", nullptr));   // U+1F600
  CHECK(!jsonValid("\xc3\xa9", nullptr));              // non-ASCII outside a string
}

TEST(valid_depth_bound) {
  CHECK(jsonValid(nested(512, '[', ']'), nullptr));
  std::string error;
  CHECK(!jsonValid(nested(513, '[', ']'), &error));
  CHECK(error.find("deep") != std::string::npos);
  std::string objs;
  for (int i = 0; i < 512; i++) objs += "{\"a\":";
  objs += "1";
  for (int i = 0; i < 512; i++) objs += "}";
  CHECK(jsonValid(objs, nullptr));
  CHECK(!jsonValid("{\"a\":" + objs + "}", nullptr));
  CHECK(!jsonValid(nested(100000, '[', ']'), nullptr));
}

TEST(valid_error_has_position) {
  std::string error;
  CHECK(!jsonValid("[1,x]", &error));
  CHECK(error.find("position 3") != std::string::npos);
}

TEST(string_plain) {
  CHECK_EQ(str(""), "\"\"");
  CHECK_EQ(str("abc"), "\"abc\"");
  CHECK_EQ(str("a\"b\\c/"), "\"a\\\"b\\\\c/\"");
}

TEST(string_escapes_like_json_stringify) {
  // JSON.stringify("\b\f\n\r\t\u0000\u0001\u001f\u007f")
  CHECK_EQ(str(std::string_view("\b\f\n\r\t\0\x01\x1f\x7f", 9)), "\"\\b\\f\\n\\r\\t\\u0000\\u0001\\u001f\x7f\"");
  CHECK_EQ(str("\x0b\x1a"), "\"\\u000b\\u001a\"");
}

TEST(string_non_ascii_raw) {
  CHECK_EQ(str("\xc3\xa9\xe2\x80\xa8\xe2\x80\xa9\xf0\x9f\x98\x80"), "\"\xc3\xa9\xe2\x80\xa8\xe2\x80\xa9\xf0\x9f\x98\x80\"");
}

TEST(string_lone_surrogate_form_escaped) {
  CHECK_EQ(str("a\xed\xa0\x80z"), "\"a\\ud800z\"");
  CHECK_EQ(str("\xed\xbf\xbf"), "\"\\udfff\"");
}
