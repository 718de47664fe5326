// Command and Query decoding, head checks against command-heads.ts.
#include <string>
#include <vector>

#include "harness.h"
#include "json/json_string.h"
#include "json/json_value.h"
#include "protocol/command.h"
#include "protocol/frame_encoder.h"
#include "protocol/query.h"
#include "util/bytes.h"
#include "util/utf8.h"

namespace {
struct HeadCase {
  int op;
  const char* head;
  const char* expected;  // "OK " + JSON.stringify(parsed head) or "ERR " + message
};
// From node v20: decodeCommand + sendToAllHead/sendToGroupHead/sessionHead/
// stringListHead/pairHead/stringHead of dist/src/gateway/engine-js/command-heads.js.
const HeadCase kHeads[] = {
  {1, "\"abc\"", "OK \"abc\""},
  {1, "5", "ERR sendToClient: arguments must be a string (got 5)"},
  {1, "[\"a\"]", "ERR sendToClient: arguments must be a string (got [\"a\"])"},
  {2, "null", "OK {\"only\":null,\"exclude\":null}"},
  {2, "{}", "OK {\"only\":null,\"exclude\":null}"},
  {2, "{\"c\":[\"a\",\"b\"],\"x\":null}", "OK {\"only\":[\"a\",\"b\"],\"exclude\":null}"},
  {2, "{\"c\":null,\"x\":[\"z\"]}", "OK {\"only\":null,\"exclude\":[\"z\"]}"},
  {2, "{\"c\":\"a\"}", "ERR sendToAll: arguments must be {\"c\"?: [clientId], \"x\"?: [clientId]} (got {\"c\":\"a\"})"},
  {2, "[]", "ERR sendToAll: arguments must be {\"c\"?: [clientId], \"x\"?: [clientId]} (got [])"},
  {2, "{\"x\":[1]}", "ERR sendToAll: arguments must be {\"c\"?: [clientId], \"x\"?: [clientId]} (got {\"x\":[1]})"},
  {3, "[\"u1\",\"u2\"]", "OK [\"u1\",\"u2\"]"},
  {3, "[]", "OK []"},
  {3, "\"u\"", "ERR sendToUid: arguments must be an array of strings (got \"u\")"},
  {3, "[1]", "ERR sendToUid: arguments must be an array of strings (got [1])"},
  {4, "{\"g\":[\"g1\"]}", "OK {\"groups\":[\"g1\"],\"exclude\":null}"},
  {4, "{\"g\":[\"g1\"],\"x\":[\"c\"]}", "OK {\"groups\":[\"g1\"],\"exclude\":[\"c\"]}"},
  {4, "{\"x\":[\"c\"]}", "ERR sendToGroup: arguments must be {\"g\": [group], \"x\"?: [clientId]} (got {\"x\":[\"c\"]})"},
  {4, "{\"g\":\"g\"}", "ERR sendToGroup: arguments must be {\"g\": [group], \"x\"?: [clientId]} (got {\"g\":\"g\"})"},
  {4, "null", "ERR sendToGroup: arguments must be {\"g\": [group], \"x\"?: [clientId]} (got null)"},
  {5, "\"c\"", "OK \"c\""},
  {5, "null", "ERR closeClient: arguments must be a string (got null)"},
  {6, "{\"a\":1}", "ERR destroyClient: arguments must be a string (got {\"a\":1})"},
  {7, "[\"c\",\"u\"]", "OK [\"c\",\"u\"]"},
  {7, "[\"c\"]", "ERR bindUid: arguments must be a [clientId, string] pair (got [\"c\"])"},
  {7, "[\"c\",\"u\",\"v\"]", "ERR bindUid: arguments must be a [clientId, string] pair (got [\"c\",\"u\",\"v\"])"},
  {8, "[\"c\",1]", "ERR unbindUid: arguments must be a [clientId, string] pair (got [\"c\",1])"},
  {9, "[\"c\",\"g\"]", "OK [\"c\",\"g\"]"},
  {10, "[1,\"g\"]", "ERR leaveGroup: arguments must be a [clientId, string] pair (got [1,\"g\"])"},
  {11, "\"g\"", "OK \"g\""},
  {11, "[\"g\"]", "ERR ungroup: arguments must be a string (got [\"g\"])"},
  {12, "{\"c\":\"x\",\"p\":1,\"k\":1}", "OK {\"clientId\":\"x\",\"patchId\":1,\"kind\":1}"},
  {12, "{\"c\":\"x\",\"p\":4294967295,\"k\":3.0}", "OK {\"clientId\":\"x\",\"patchId\":4294967295,\"kind\":3}"},
  {12, "{\"c\":\"x\",\"p\":4294967296,\"k\":1}", "ERR session: arguments must be {\"c\": clientId, \"p\": u32 patchId, \"k\": 1 | 2 | 3} (got {\"c\":\"x\",\"p\":4294967296,\"k\":1})"},
  {12, "{\"c\":\"x\",\"p\":-1,\"k\":1}", "ERR session: arguments must be {\"c\": clientId, \"p\": u32 patchId, \"k\": 1 | 2 | 3} (got {\"c\":\"x\",\"p\":-1,\"k\":1})"},
  {12, "{\"c\":\"x\",\"p\":1.5,\"k\":1}", "ERR session: arguments must be {\"c\": clientId, \"p\": u32 patchId, \"k\": 1 | 2 | 3} (got {\"c\":\"x\",\"p\":1.5,\"k\":1})"},
  {12, "{\"c\":\"x\",\"p\":1,\"k\":4}", "ERR session: arguments must be {\"c\": clientId, \"p\": u32 patchId, \"k\": 1 | 2 | 3} (got {\"c\":\"x\",\"p\":1,\"k\":4})"},
  {12, "{\"c\":\"x\",\"p\":1,\"k\":\"1\"}", "ERR session: arguments must be {\"c\": clientId, \"p\": u32 patchId, \"k\": 1 | 2 | 3} (got {\"c\":\"x\",\"p\":1,\"k\":\"1\"})"},
  {12, "{\"c\":1,\"p\":1,\"k\":1}", "ERR session: arguments must be {\"c\": clientId, \"p\": u32 patchId, \"k\": 1 | 2 | 3} (got {\"c\":1,\"p\":1,\"k\":1})"},
  {12, "{\"p\":1,\"k\":1}", "ERR session: arguments must be {\"c\": clientId, \"p\": u32 patchId, \"k\": 1 | 2 | 3} (got {\"p\":1,\"k\":1})"},
  {12, "[1]", "ERR session: arguments must be {\"c\": clientId, \"p\": u32 patchId, \"k\": 1 | 2 | 3} (got [1])"},
  {12, "{\"c\":\"x\",\"p\":-0,\"k\":2,\"z\":1}", "OK {\"clientId\":\"x\",\"patchId\":0,\"kind\":2}"},
  {12, "{\"c\":\"x\",\"p\":1e3,\"k\":1e0}", "OK {\"clientId\":\"x\",\"patchId\":1000,\"kind\":1}"},
  {1, "\"éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé\"", "OK \"éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé\""},
  {3, "[\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx😀\"]", "OK [\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx😀\"]"},
  {1, "{\"b\":1,\"1\":2}", "ERR sendToClient: arguments must be a string (got {\"1\":2,\"b\":1})"},
  {1, "[1.0,1e2,-0]", "ERR sendToClient: arguments must be a string (got [1,100,0])"},
};

std::string body(uint8_t op, uint8_t flags, std::string_view head, std::string_view data) {
  std::string frame;
  gh::appendCommandFrame(frame, op, flags, head, data);
  return frame.substr(5);
}

std::string list(const std::vector<std::string>& v, bool nullWhenEmpty) {
  if (v.empty() && nullWhenEmpty) return "null";
  std::string s = "[";
  for (size_t i = 0; i < v.size(); i++) {
    if (i) s += ",";
    gh::appendJsonString(s, v[i]);
  }
  return s + "]";
}

std::string str(const std::string& v) {
  std::string s;
  gh::appendJsonString(s, v);
  return s;
}

// The JS head function's result, JSON-stringified, rebuilt from a Command.
std::string shown(const gh::Command& c) {
  switch (c.op) {
    case gh::kOpSendToAll:
      return "{\"only\":" + (c.hasOnly ? list(c.only, false) : "null") + ",\"exclude\":" + list(c.exclude, true) + "}";
    case gh::kOpSendToUid: return list(c.names, false);
    case gh::kOpSendToGroup: return "{\"groups\":" + list(c.names, false) + ",\"exclude\":" + list(c.exclude, true) + "}";
    case gh::kOpBindUid:
    case gh::kOpUnbindUid:
    case gh::kOpJoinGroup:
    case gh::kOpLeaveGroup: return "[" + str(c.clientId) + "," + str(c.name) + "]";
    case gh::kOpUngroup: return str(c.name);
    case gh::kOpSession:
      return "{\"clientId\":" + str(c.clientId) + ",\"patchId\":" + std::to_string(c.patchId) +
             ",\"kind\":" + std::to_string(c.patchKind) + "}";
    default: return str(c.clientId);
  }
}
}  // namespace

TEST(command_heads_match_js) {
  for (const HeadCase& h : kHeads) {
    gh::Command c;
    std::string error;
    std::string b = body(static_cast<uint8_t>(h.op), 0, h.head, "DATA");
    bool ok = gh::decodeCommand(b, &c, &error);
    std::string got = ok ? "OK " + shown(c) : "ERR " + error;
    CHECK_EQ(got, std::string(h.expected));
    if (ok) CHECK_EQ(std::string(c.data), "DATA");
    if (!ok) CHECK(gh::commandHeadError(error));
  }
}

TEST(command_framing_errors) {
  gh::Command c;
  std::string error;
  CHECK(!gh::decodeCommand(std::string("\x01\x00\x00", 3), &c, &error));
  CHECK_EQ(error, "command: truncated");
  CHECK(!gh::commandHeadError(error));
  CHECK(!gh::decodeCommand(body(0, 0, "1", ""), &c, &error));
  CHECK_EQ(error, "command: unknown op 0");
  CHECK(!gh::decodeCommand(body(13, 0, "1", ""), &c, &error));
  CHECK_EQ(error, "command: unknown op 13");
  CHECK(!gh::decodeCommand(body(255, 0, "1", ""), &c, &error));
  CHECK_EQ(error, "command: unknown op 255");
  std::string b = body(1, 0, "\"abc\"", "");
  b.resize(b.size() - 1);
  CHECK(!gh::decodeCommand(b, &c, &error));
  CHECK_EQ(error, "command: arguments overrun the frame");
  CHECK(!gh::decodeCommand(body(7, 0, "[\"a\",", "zz"), &c, &error));
  CHECK_EQ(error, "command: arguments of op 7 are not valid JSON");
  CHECK(!gh::decodeCommand(body(7, 0, "", "zz"), &c, &error));
  CHECK_EQ(error, "command: arguments of op 7 are not valid JSON");
  CHECK(!gh::commandHeadError(error));
}

TEST(command_fields) {
  gh::Command c;
  std::string error;
  std::string b = body(gh::kOpCloseClient, gh::kCommandHasData | gh::kCommandBinary, "\"not-an-id\"", "\x01\x02");
  CHECK(gh::decodeCommand(b, &c, &error));  // c.data is a view into b
  CHECK_EQ(c.op, gh::kOpCloseClient);
  CHECK_EQ(c.flags, gh::kCommandHasData | gh::kCommandBinary);
  CHECK_EQ(c.clientId, "not-an-id");  // not an error: it names no client
  CHECK_EQ(std::string(c.data), "\x01\x02");
  CHECK(gh::decodeCommand(body(gh::kOpSendToAll, 0, "{\"c\":[],\"x\":[\"a\"]}", "m"), &c, &error));
  CHECK(c.hasOnly);
  CHECK(c.only.empty());
  CHECK_EQ(c.exclude.size(), size_t{1});
  // A reused Command is reset.
  CHECK(gh::decodeCommand(body(gh::kOpSendToAll, 0, "null", "m"), &c, &error));
  CHECK(!c.hasOnly);
  CHECK(c.exclude.empty());
  CHECK(gh::decodeCommand(body(gh::kOpSendToClient, 0, " \"\\u0061b\" ", ""), &c, &error));
  CHECK_EQ(c.clientId, "ab");
  CHECK(c.data.empty());
  // body.toString('utf8') on the JS side: a bad byte is U+FFFD, not an error.
  CHECK(gh::decodeCommand(body(gh::kOpUngroup, 0, "\"g\xff\"", ""), &c, &error));
  CHECK_EQ(c.name, "g\xef\xbf\xbd");
}

TEST(command_shown_head_is_a_bounded_whole_character_prefix) {
  // ["x😀😀...": 603 bytes of JSON. What the message shows is a prefix of it, at
  // most 200 bytes, never a split character (the JS engine cuts at 200 UTF-16
  // units instead: the wording is for an operator, so only these properties hold).
  std::string head = "[\"x";
  for (int i = 0; i < 150; i++) head += "\xf0\x9f\x98\x80";
  head += "\"]";
  gh::Command c;
  std::string error;
  CHECK(!gh::decodeCommand(body(gh::kOpSendToClient, 0, head, ""), &c, &error));
  const std::string lead = "sendToClient: arguments must be a string (got ";
  CHECK_EQ(error.substr(0, lead.size()), lead);
  CHECK_EQ(error.back(), ')');
  std::string shown = error.substr(lead.size(), error.size() - lead.size() - 1);
  CHECK(shown.size() <= 200 && shown.size() > 190);
  CHECK_EQ(head.substr(0, shown.size()), shown);
  CHECK(gh::utf8Valid(reinterpret_cast<const uint8_t*>(shown.data()), shown.size()));
  // A short head is shown whole.
  CHECK(!gh::decodeCommand(body(gh::kOpSendToClient, 0, "[1, 2]", ""), &c, &error));
  CHECK_EQ(error, lead + "[1,2])");
}

TEST(query_decode_as_js) {
  auto q = [](uint32_t id, std::string_view json) {
    std::string frame;
    gh::appendQueryFrame(frame, id, json);
    return frame.substr(5);
  };
  uint32_t requestId = 0;
  std::string op, error;
  gh::JsonValue args;
  CHECK(gh::decodeQuery(q(77, "{\"op\":\"clientCount\",\"args\":[\"g\"]}"), &requestId, &op, &args, &error));
  CHECK_EQ(requestId, 77u);
  CHECK_EQ(op, "clientCount");
  CHECK(args.isArray());
  CHECK_EQ(args.items().size(), size_t{1});
  CHECK(gh::decodeQuery(q(0xffffffff, " {\"args\":[],\"op\":\"\",\"x\":1} "), &requestId, &op, &args, &error));
  CHECK_EQ(requestId, 0xffffffffu);
  CHECK_EQ(op, "");
  CHECK(!gh::decodeQuery("abc", &requestId, &op, &args, &error));
  CHECK_EQ(error, "query: truncated");
  CHECK(!gh::decodeQuery(q(1, ""), &requestId, &op, &args, &error));
  CHECK_EQ(error, "query: not valid JSON");
  CHECK(!gh::decodeQuery(q(1, "{\"op\":1,\"args\":[]}"), &requestId, &op, &args, &error));
  CHECK_EQ(error, "query: expected {\"op\": string, \"args\": array}");
  CHECK(!gh::decodeQuery(q(1, "{\"op\":\"a\",\"args\":{}}"), &requestId, &op, &args, &error));
  CHECK_EQ(error, "query: expected {\"op\": string, \"args\": array}");
  CHECK(!gh::decodeQuery(q(1, "[]"), &requestId, &op, &args, &error));
  CHECK(!gh::decodeQuery(q(1, "null"), &requestId, &op, &args, &error));
  CHECK_EQ(error, "query: expected {\"op\": string, \"args\": array}");
}
