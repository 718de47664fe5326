#include <string>

#include "harness.h"
#include "json/json_value.h"

using gh::JsonType;
using gh::JsonValue;

namespace {
struct Golden {
  const char* in;
  const char* out;
};
// JSON.stringify(JSON.parse(in)) from node v20.
const Golden kRoundTrips[] = {
  {"{\"b\":1,\"a\":2,\"1\":3,\"0\":4}", "{\"0\":4,\"1\":3,\"b\":1,\"a\":2}"},
  {"{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":3,\"b\":2}"},
  {"{\"10\":1,\"9\":2,\"01\":3,\"-1\":4,\"4294967295\":5,\"4294967294\":6}", "{\"9\":2,\"10\":1,\"4294967294\":6,\"01\":3,\"-1\":4,\"4294967295\":5}"},
  {"{\"x\":{\"2\":1,\"1\":2},\"y\":[{\"z\":null}]}", "{\"x\":{\"1\":2,\"2\":1},\"y\":[{\"z\":null}]}"},
  {" [ 1.0 , 1e2 , -0 , 0.000001 , 1e-7 , 1e21 , 1E21 , 123.4500 ] ", "[1,100,0,0.000001,1e-7,1e+21,1e+21,123.45]"},
  {"\"\\u0041\\u00e9\\ud83d\\ude00\\n\\/\"", "\"Aé😀\\n/\""},
  {"\"\\ud800\"", "\"\\ud800\""},
  {"\"\\udc00\\ud800x\"", "\"\\udc00\\ud800x\""},
  {"\"\\ud83d\"", "\"\\ud83d\""},
  {"[1e400,-1e400,1e-400,-1e-400]", "[null,null,0,0]"},
  {"{\"__proto__\":1,\"a\":{\"__proto__\":[]}}", "{\"__proto__\":1,\"a\":{\"__proto__\":[]}}"},
  {"\"\\u2028\\u2029\\u007f\\u001f\"", "\"  \\u001f\""},
  {"{\"\\u0061\":1,\"a\":2}", "{\"a\":2}"},
  {"{\"1\":1,\"\\u0031\":2}", "{\"1\":2}"},
  {"[true,false,null,\"\",[],{}]", "[true,false,null,\"\",[],{}]"},
  {"{\"\":{\"\":{\"\":\"\"}}}", "{\"\":{\"\":{\"\":\"\"}}}"},
  {"12345678901234567890", "12345678901234567000"},
  {"0.1e1", "1"},
  {"-0.0e-0", "0"},
  {"9007199254740993", "9007199254740992"},
  {"[100,1000000000000000,10000000000000000,123456789012345678,1.5,-2.25e-5,3e-6,4e-7]", "[100,1000000000000000,10000000000000000,123456789012345680,1.5,-0.0000225,0.000003,4e-7]"},
  {"{\"z\":1,\"y\":2,\"5\":3,\"x\":4,\"3\":5}", "{\"3\":5,\"5\":3,\"z\":1,\"y\":2,\"x\":4}"},
  {"\"é😀\"", "\"é😀\""},
  {"{\"a\":[1,{\"b\":2,\"b\":{\"c\":3}}]}", "{\"a\":[1,{\"b\":{\"c\":3}}]}"},
};

std::string roundTrip(std::string_view text) {
  JsonValue v;
  std::string error;
  if (!gh::parseJson(text, &v, &error)) return "error: " + error;
  std::string out;
  gh::serializeJson(v, out);
  return out;
}

}  // namespace

TEST(value_round_trips_like_json_stringify) {
  for (const Golden& g : kRoundTrips) CHECK_EQ(roundTrip(g.in), std::string(g.out));
}

TEST(value_parse_errors) {
  JsonValue v;
  std::string error;
  CHECK(!gh::parseJson("", &v, &error));
  CHECK(!gh::parseJson("[1,]", &v, &error));
  CHECK(!gh::parseJson("{\"a\":1} x", &v, &error));
  CHECK(!gh::parseJson("\"\xff\"", &v, &error));
  CHECK(!gh::parseJson(std::string(513, '[') + std::string(513, ']'), &v, &error));
  CHECK(error.find("deep") != std::string::npos);
  CHECK(gh::parseJson(std::string(512, '[') + std::string(512, ']'), &v, nullptr));
  CHECK(!gh::parseJson("nul", &v, nullptr));
}

TEST(value_accessors) {
  JsonValue v;
  CHECK(gh::parseJson("{\"n\":-1.5,\"s\":\"a\\u0062\",\"b\":true,\"z\":null,\"a\":[1,2]}", &v, nullptr));
  CHECK(v.isObject());
  CHECK_EQ(v.members().size(), size_t{5});
  CHECK(v.find("n")->isNumber());
  CHECK_EQ(v.find("n")->text(), "-1.5");
  CHECK_EQ(v.find("n")->numberValue(), -1.5);
  CHECK_EQ(v.find("s")->text(), "ab");
  CHECK(v.find("b")->boolValue());
  CHECK(v.find("z")->isNull());
  CHECK_EQ(v.find("a")->items().size(), size_t{2});
  CHECK(v.find("missing") == nullptr);
}

TEST(value_set_keeps_javascript_order) {
  JsonValue o = JsonValue::makeObject();
  o.set("b", JsonValue::makeNumber("1"));
  o.set("a", JsonValue::makeNumber("2"));
  o.set("10", JsonValue::makeNumber("3"));
  o.set("2", JsonValue::makeNumber("4"));
  o.set("b", JsonValue::makeString("x"));  // keeps its place
  o.set("4294967295", JsonValue::makeNull());  // not an index: insertion order
  o.set("0", JsonValue::makeBool(false));
  std::string out;
  gh::serializeJson(o, out);
  CHECK_EQ(out, "{\"0\":false,\"2\":4,\"10\":3,\"b\":\"x\",\"a\":2,\"4294967295\":null}");
  CHECK(o.remove("b"));
  CHECK(!o.remove("b"));
  CHECK(o.remove("2"));
  o.set("b", JsonValue::makeNumber("5"));  // re-added: goes last
  o.set("1", JsonValue::makeNumber("6"));
  out.clear();
  gh::serializeJson(o, out);
  CHECK_EQ(out, "{\"0\":false,\"1\":6,\"10\":3,\"a\":2,\"4294967295\":null,\"b\":5}");
}

TEST(value_array_index_keys) {
  uint32_t i = 99;
  CHECK(gh::jsonArrayIndexKey("0", &i) && i == 0);
  CHECK(gh::jsonArrayIndexKey("4294967294", &i) && i == 4294967294u);
  CHECK(!gh::jsonArrayIndexKey("4294967295", &i));
  CHECK(!gh::jsonArrayIndexKey("01", &i));
  CHECK(!gh::jsonArrayIndexKey("", &i));
  CHECK(!gh::jsonArrayIndexKey("-1", &i));
  CHECK(!gh::jsonArrayIndexKey("1.0", &i));
  CHECK(!gh::jsonArrayIndexKey("99999999999", &i));
}

TEST(value_many_keys_and_duplicates) {
  std::string text = "{";
  for (int i = 0; i < 5000; i++) text += "\"k" + std::to_string(i % 2500) + "\":" + std::to_string(i) + ",";
  text += "\"3\":0}";
  JsonValue v;
  CHECK(gh::parseJson(text, &v, nullptr));
  CHECK_EQ(v.members().size(), size_t{2501});
  CHECK_EQ(v.members()[0].first, "3");
  CHECK_EQ(v.members()[1].first, "k0");
  CHECK_EQ(v.members()[1].second.text(), "2500");
  CHECK_EQ(v.members()[2500].first, "k2499");
  CHECK_EQ(v.find("k1234")->text(), "3734");
}

namespace {
// A small deterministic generator, so failures reproduce.
struct Rng {
  uint64_t s = 88172645463325252ULL;
  uint32_t next(uint32_t n) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return static_cast<uint32_t>(s % n);
  }
};

std::string randomKey(Rng& r) {
  static const char* const kShapes[] = {"", "0", "01", "-1", "4294967295", "4294967294", "__proto__", "k"};
  uint32_t pick = r.next(10);
  if (pick < 4) return std::to_string(r.next(40));  // index keys
  if (pick < 6) return kShapes[r.next(8)];
  return "k" + std::to_string(r.next(60));
}

std::string dump(const JsonValue& v) {
  std::string out;
  gh::serializeJson(v, out);
  return out;
}
}  // namespace

TEST(value_batch_ops_equal_one_by_one) {
  Rng r;
  for (int round = 0; round < 300; round++) {
    JsonValue a = JsonValue::makeObject();
    size_t n = r.next(80);
    for (size_t i = 0; i < n; i++) a.set(randomKey(r), JsonValue::makeNumber(std::to_string(i)));
    JsonValue b = a;
    std::vector<std::string> doomedKeys;
    size_t d = r.next(30);
    for (size_t i = 0; i < d; i++) doomedKeys.push_back(randomKey(r));
    std::vector<std::string_view> doomed(doomedKeys.begin(), doomedKeys.end());
    for (std::string_view k : doomed) a.remove(k);
    b.removeAll(doomed);
    CHECK_EQ(dump(a), dump(b));
    std::vector<JsonValue::Member> incoming;
    JsonValue seen = JsonValue::makeObject();  // incoming keys are unique, as in a parsed object
    size_t k = r.next(60);
    for (size_t i = 0; i < k; i++) {
      std::string key = randomKey(r);
      if (seen.find(key)) continue;
      seen.set(key, JsonValue());
      incoming.emplace_back(key, JsonValue::makeString("v" + std::to_string(i)));
    }
    for (const JsonValue::Member& m : incoming) {
      JsonValue* existing = a.find(m.first);
      if (existing) {
        *existing = JsonValue::makeString(existing->text() + "+" + m.second.text());
      } else {
        a.set(m.first, m.second);
      }
    }
    b.upsertAll(std::move(incoming), [](JsonValue& existing, JsonValue&& v) {
      existing = JsonValue::makeString(existing.text() + "+" + v.text());
    });
    CHECK_EQ(dump(a), dump(b));
  }
}
