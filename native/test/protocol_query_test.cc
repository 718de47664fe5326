// Query bodies (W -> G), decoded as the JS engine's decodeQuery does.
#include <string>
#include <string_view>

#include "harness.h"
#include "json/json_value.h"
#include "protocol/frame_encoder.h"
#include "protocol/query.h"

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
