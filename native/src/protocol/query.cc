#include "protocol/query.h"

#include <utility>

#include "util/bytes.h"

namespace gh {

namespace {
bool fail(std::string* error, const char* text) {
  if (error) *error = text;
  return false;
}
}  // namespace

bool decodeQuery(std::string_view body, uint32_t* requestId, std::string* op, JsonValue* args, std::string* error) {
  if (body.size() < 4) return fail(error, "query: truncated");
  JsonValue q;
  if (!parseJsonBuffer(body.substr(4), &q, nullptr)) return fail(error, "query: not valid JSON");
  JsonValue* o = q.isObject() ? q.find("op") : nullptr;
  JsonValue* a = q.isObject() ? q.find("args") : nullptr;
  if (!o || !o->isString() || !a || !a->isArray()) return fail(error, "query: expected {\"op\": string, \"args\": array}");
  *requestId = getU32BE(reinterpret_cast<const uint8_t*>(body.data()));
  *op = o->text();
  *args = std::move(*a);
  return true;
}

}  // namespace gh
