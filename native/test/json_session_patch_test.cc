#include <string>

#include "harness.h"
#include "json/session_patch.h"

namespace {
struct Golden {
  const char* session;
  int kind;
  const char* data;
  bool ok;
  const char* result;  // the new session, or the error ("" = a JSON.parse error, free text)
};
// From node v20: JSON.stringify(applySessionPatch(JSON.parse(session),
// decodeSessionPatch(kind, Buffer.from(data)))) of dist/src/protocol/session-patch.js.
const Golden kGolden[] = {
  {"{}", 1, "{\"s\":{\"a\":1},\"d\":[]}", true, "{\"a\":1}"},
  {"{\"a\":1,\"b\":2}", 1, "{\"s\":{\"a\":3},\"d\":[\"b\"]}", true, "{\"a\":3}"},
  {"{\"a\":1,\"b\":2}", 1, "{\"s\":{\"a\":3},\"d\":[\"a\"]}", true, "{\"b\":2,\"a\":3}"},
  {"{\"a\":1,\"b\":2}", 1, "{\"s\":{\"2\":1,\"1\":0,\"c\":{\"x\":[1.0,2e0]}},\"d\":[\"zz\"]}", true, "{\"1\":0,\"2\":1,\"a\":1,\"b\":2,\"c\":{\"x\":[1,2]}}"},
  {"{\"a\":1}", 1, "{\"s\":{\"__proto__\":{\"p\":1},\"b\":{\"__proto__\":2}},\"d\":[]}", true, "{\"a\":1,\"b\":{\"__proto__\":2}}"},
  {"{\"__proto__\":5,\"a\":1}", 1, "{\"s\":{},\"d\":[\"__proto__\"]}", true, "{\"a\":1}"},
  {"{\"a\":1}", 1, "{\"d\":[],\"s\":{\"b\":2},\"x\":1}", true, "{\"a\":1,\"b\":2}"},
  {"{\"a\":1}", 1, "{\"s\":{\"b\":2},\"d\":[],\"s\":{\"c\":3}}", true, "{\"a\":1,\"c\":3}"},
  {"{\"a\":1}", 1, "{\"s\":[],\"d\":[]}", false, "session diff must be {\"s\": object, \"d\": string[]}"},
  {"{\"a\":1}", 1, "{\"s\":{},\"d\":[1]}", false, "session diff must be {\"s\": object, \"d\": string[]}"},
  {"{\"a\":1}", 1, "{\"s\":{},\"d\":\"a\"}", false, "session diff must be {\"s\": object, \"d\": string[]}"},
  {"{\"a\":1}", 1, "{\"s\":{}}", false, "session diff must be {\"s\": object, \"d\": string[]}"},
  {"{\"a\":1}", 1, "{\"s\":null,\"d\":[]}", false, "session diff must be {\"s\": object, \"d\": string[]}"},
  {"{\"a\":1}", 1, "[1]", false, "session diff must be {\"s\": object, \"d\": string[]}"},
  {"{\"a\":1}", 1, "\"x\"", false, "session diff must be {\"s\": object, \"d\": string[]}"},
  {"{\"a\":1}", 1, "{\"__proto__\":{\"s\":{},\"d\":[]}}", false, "session diff must be {\"s\": object, \"d\": string[]}"},
  {"{\"a\":1}", 2, "{\"b\":[1,{\"c\":null}],\"__proto__\":{\"x\":1},\"3\":0}", true, "{\"3\":0,\"b\":[1,{\"c\":null}],\"__proto__\":{\"x\":1}}"},
  {"{\"a\":1}", 2, "[]", false, "a session must be a JSON object"},
  {"{\"a\":1}", 2, "null", false, "a session must be a JSON object"},
  {"{\"a\":1}", 2, "1", false, "a session must be a JSON object"},
  {"{\"a\":1}", 3, "{}", true, "{\"a\":1}"},
  {"{\"a\":{\"x\":1,\"y\":{\"z\":2}},\"b\":[1,2]}", 3, "{\"a\":{\"y\":{\"w\":3},\"x\":{\"n\":1}},\"b\":[3],\"c\":\"new\"}", true, "{\"a\":{\"x\":{\"n\":1},\"y\":{\"z\":2,\"w\":3}},\"b\":[3],\"c\":\"new\"}"},
  {"{\"a\":{\"x\":1}}", 3, "{\"a\":[1]}", true, "{\"a\":[1]}"},
  {"{\"a\":[1]}", 3, "{\"a\":{\"x\":1}}", true, "{\"a\":{\"x\":1}}"},
  {"{\"a\":{\"x\":1}}", 3, "{\"a\":null}", true, "{\"a\":null}"},
  {"{\"a\":1}", 3, "{\"__proto__\":{\"a\":2},\"constructor\":{\"x\":1},\"toString\":1,\"hasOwnProperty\":{\"y\":{}}}", true, "{\"a\":1,\"constructor\":{\"x\":1},\"toString\":1,\"hasOwnProperty\":{\"y\":{}}}"},
  {"{\"a\":{\"q\":1}}", 3, "{\"a\":{\"__proto__\":{\"x\":1},\"r\":2}}", true, "{\"a\":{\"q\":1,\"r\":2}}"},
  {"{}", 3, "{\"a\":{\"__proto__\":{\"x\":1},\"r\":2}}", true, "{\"a\":{\"__proto__\":{\"x\":1},\"r\":2}}"},
  {"{\"b\":1}", 3, "{\"5\":1,\"a\":2,\"1\":{\"k\":1}}", true, "{\"1\":{\"k\":1},\"5\":1,\"b\":1,\"a\":2}"},
  {"{\"a\":1}", 3, "[1]", false, "a session must be a JSON object"},
  {"{\"a\":1}", 4, "{}", false, "unknown session patch kind 4"},
  {"{\"a\":1}", 0, "{}", false, "unknown session patch kind 0"},
  {"{\"a\":1}", 4, "not json", false, ""},
  {"{\"a\":1}", 2, "{\"a\":1,}", false, ""},
  {"{\"a\":1}", 1, "", false, ""},
  {"{\"n\":1}", 3, "{\"n\":1e21,\"m\":-0,\"o\":0.1e-6,\"s\":\"\\u0000\\ud800\\u2028\"}", true, "{\"n\":1e+21,\"m\":0,\"o\":1e-7,\"s\":\"\\u0000\\ud800 \"}"},
  {"{\"a\":{\"b\":{\"c\":{}}}}", 3, "{\"a\":{\"b\":{\"c\":{\"d\":1}}}}", true, "{\"a\":{\"b\":{\"c\":{\"d\":1}}}}"},
  {"{\"k\":\"v\"}", 1, "{\"s\":{\"k\":\"\\u0076\"},\"d\":[\"k\",\"k\"]}", true, "{\"k\":\"v\"}"},
  {"{\"a\":1}", 2, " {\"b\":2} \n", true, "{\"b\":2}"},
};
}  // namespace

TEST(session_patch_matches_js) {
  for (const Golden& g : kGolden) {
    std::string session = g.session;
    std::string error;
    bool ok = gh::applySessionPatch(session, g.kind, g.data, &error);
    CHECK_EQ(ok, g.ok);
    if (ok) {
      CHECK_EQ(session, std::string(g.result));
    } else {
      CHECK_EQ(session, std::string(g.session));  // unchanged
      if (*g.result) CHECK_EQ(error, std::string(g.result));
      CHECK(!error.empty());
    }
  }
}

TEST(session_patch_sequence) {
  std::string s = "{}";
  CHECK(gh::applySessionPatch(s, 1, "{\"s\":{\"uid\":\"u1\",\"n\":1},\"d\":[]}", nullptr));
  CHECK(gh::applySessionPatch(s, 3, "{\"prefs\":{\"a\":true}}", nullptr));
  CHECK(gh::applySessionPatch(s, 3, "{\"prefs\":{\"b\":false},\"n\":2}", nullptr));
  CHECK(gh::applySessionPatch(s, 1, "{\"s\":{},\"d\":[\"uid\"]}", nullptr));
  CHECK_EQ(s, "{\"n\":2,\"prefs\":{\"a\":true,\"b\":false}}");
  CHECK(!gh::applySessionPatch(s, 1, "{\"s\":{},\"d\":[null]}", nullptr));
  CHECK(gh::applySessionPatch(s, 2, "{}", nullptr));
  CHECK_EQ(s, "{}");
}

TEST(session_patch_lossy_utf8_and_depth) {
  std::string s = "{\"a\":1}";
  std::string error;
  // decodeSessionPatch reads the data with toString('utf8'): bad bytes become U+FFFD.
  CHECK(gh::applySessionPatch(s, 2, "{\"b\":\"\xff\"}", &error));
  CHECK_EQ(s, "{\"b\":\"\xef\xbf\xbd\"}");
  s = "{\"a\":1}";
  CHECK(!gh::applySessionPatch(s, 2, "{\"b\":\xff}", &error));
  CHECK(!gh::applySessionPatch(s, 3, std::string(600, '[') + std::string(600, ']'), &error));
  CHECK_EQ(s, "{\"a\":1}");
}
