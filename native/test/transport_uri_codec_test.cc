// The decodings and the key order behind protocol 2's handshake payload
// (transport/protocol2_handshake.h), checked one by one
// against what Node 20 gives (decodeURIComponent, new URLSearchParams,
// Object.keys of a plain object).
#include <string>
#include <utility>
#include <vector>

#include "transport/js_object.h"
#include "transport/uri_codec.h"
#include "harness.h"

using namespace gh;

namespace {

std::string decodeOr(const std::string& text) {
  std::string out;
  return decodeUriComponent(text, &out) ? out : "URIError";
}

std::string pairs(const std::string& search) {
  std::string out;
  for (const auto& [name, value] : parseUrlEncoded(search)) out += "[" + name + "|" + value + "]";
  return out;
}

}  // namespace

TEST(decode_uri_component_as_javascript) {
  CHECK_EQ(decodeOr("%C0%80"), std::string("URIError"));        // overlong
  CHECK_EQ(decodeOr("%ED%A0%80"), std::string("URIError"));     // surrogate
  CHECK_EQ(decodeOr("%F4%90%80%80"), std::string("URIError"));  // beyond U+10FFFF
  CHECK_EQ(decodeOr("%F4%8F%BF%BF"), std::string("\xf4\x8f\xbf\xbf"));
  CHECK_EQ(decodeOr("%E2%82"), std::string("URIError"));
  CHECK_EQ(decodeOr("%E2%82%AC"), std::string("\xe2\x82\xac"));
  CHECK_EQ(decodeOr("%e2%82%ac"), std::string("\xe2\x82\xac"));
  CHECK_EQ(decodeOr("%41%"), std::string("URIError"));
  CHECK_EQ(decodeOr("%4"), std::string("URIError"));
  CHECK_EQ(decodeOr("a%2"), std::string("URIError"));
  CHECK_EQ(decodeOr("%"), std::string("URIError"));
  CHECK_EQ(decodeOr("%C3%A9x"), std::string("\xc3\xa9x"));
  CHECK_EQ(decodeOr("%C3x"), std::string("URIError"));
  CHECK_EQ(decodeOr("%80"), std::string("URIError"));
  CHECK_EQ(decodeOr("%F8%80%80%80%80"), std::string("URIError"));
  CHECK_EQ(decodeOr("%2B+"), std::string("++"));
  CHECK_EQ(decodeOr("\xc3\xa9%20"), std::string("\xc3\xa9 "));  // raw characters pass through
  CHECK_EQ(decodeOr("%C3\xa9"), std::string("URIError"));       // a raw byte cannot finish an escape
}

TEST(url_search_params_as_node) {
  CHECK_EQ(pairs("?a=1"), std::string("[a|1]"));
  CHECK_EQ(pairs("??a"), std::string("[?a|]"));
  CHECK_EQ(pairs("a=1&a=2"), std::string("[a|1][a|2]"));
  CHECK_EQ(pairs("="), std::string("[|]"));
  CHECK_EQ(pairs("a==b"), std::string("[a|=b]"));
  CHECK_EQ(pairs("+%2B+"), std::string("[ + |]"));
  CHECK_EQ(pairs("a&b=&=c"), std::string("[a|][b|][|c]"));
  CHECK_EQ(pairs("%"), std::string("[%|]"));
  CHECK_EQ(pairs("%%41"), std::string("[%A|]"));
  CHECK_EQ(pairs("&&&"), std::string(""));
  CHECK_EQ(pairs("a=%FF%FE"), std::string("[a|\xef\xbf\xbd\xef\xbf\xbd]"));
  CHECK_EQ(pairs("a=%C3%A9%C3"), std::string("[a|\xc3\xa9\xef\xbf\xbd]"));
  CHECK_EQ(pairs("%3D=%26"), std::string("[=|&]"));
  CHECK_EQ(pairs("x=%F0%9F%98"), std::string("[x|\xef\xbf\xbd]"));
}

TEST(latin1_to_utf8) {
  CHECK_EQ(latin1ToUtf8("caf\xe9\xa0"), std::string("caf\xc3\xa9\xc2\xa0"));
}

TEST(js_object_key_order) {
  JsObjectWriter object;
  for (const char* key : {"b", "2", "a", "1", "01", "-1", "4294967295", "4294967294", "1.5", "0"}) object.add(key, "1");
  std::string out;
  object.appendTo(out);
  CHECK_EQ(out, std::string("{\"0\":1,\"1\":1,\"2\":1,\"4294967294\":1,\"b\":1,\"a\":1,\"01\":1,\"-1\":1,\"4294967295\":1,\"1.5\":1}"));
  CHECK(isArrayIndexKey("0"));
  CHECK(!isArrayIndexKey(""));
  CHECK(!isArrayIndexKey("00"));
  CHECK(!isArrayIndexKey("99999999999"));
}
