#include "protocol/command.h"

#include "json/json_value.h"
#include "util/bytes.h"

namespace gh {

namespace {

constexpr size_t kShownHeadBytes = 200;

bool fail(std::string* error, std::string text) {
  if (error) *error = std::move(text);
  return false;
}

// The head as JSON, at most 200 bytes, cut before a character it would split.
// It only goes into a log line and a link-close reason for an operator, so
// it need not be cut where the JS engine's .slice(0, 200) cuts (UTF-16 units).
std::string shownHead(const JsonValue& head) {
  std::string json;
  serializeJson(head, json);
  if (json.size() <= kShownHeadBytes) return json;
  size_t cut = kShownHeadBytes;
  while (cut > 0 && (static_cast<unsigned char>(json[cut]) & 0xC0) == 0x80) cut--;  // continuation byte
  json.resize(cut);
  return json;
}

bool shapeError(std::string* error, const char* what, const char* expected, const JsonValue& head) {
  return fail(error, std::string(what) + ": arguments must be " + expected + " (got " + shownHead(head) + ")");
}

bool stringList(const JsonValue* v, std::vector<std::string>* out) {
  if (!v || !v->isArray()) return false;
  for (const JsonValue& item : v->items())
    if (!item.isString()) return false;
  out->clear();
  out->reserve(v->items().size());
  for (const JsonValue& item : v->items()) out->push_back(item.text());
  return true;
}

// An optional list ("x"?, "c"?): absent or null is fine and leaves out empty.
bool optionalStringList(const JsonValue* v, std::vector<std::string>* out, bool* present) {
  *present = false;
  if (!v || v->isNull()) return true;
  *present = true;
  return stringList(v, out);
}

bool stringHead(const char* what, const JsonValue& head, std::string* out, std::string* error) {
  if (!head.isString()) return shapeError(error, what, "a string", head);
  *out = head.text();
  return true;
}

bool pairHead(const char* what, const JsonValue& head, Command* out, std::string* error) {
  const auto& items = head.items();
  if (!head.isArray() || items.size() != 2 || !items[0].isString() || !items[1].isString()) {
    return shapeError(error, what, "a [clientId, string] pair", head);
  }
  out->clientId = items[0].text();
  out->name = items[1].text();
  return true;
}

bool sendToAllHead(const JsonValue& head, Command* out, std::string* error) {
  if (head.isNull()) return true;
  static const char kExpected[] = "{\"c\"?: [clientId], \"x\"?: [clientId]}";
  bool present;
  if (!head.isObject() || !optionalStringList(head.find("c"), &out->only, &out->hasOnly) ||
      !optionalStringList(head.find("x"), &out->exclude, &present)) {
    out->hasOnly = false;
    return shapeError(error, "sendToAll", kExpected, head);
  }
  return true;
}

bool sendToGroupHead(const JsonValue& head, Command* out, std::string* error) {
  bool present;
  if (!head.isObject() || !stringList(head.find("g"), &out->names) ||
      !optionalStringList(head.find("x"), &out->exclude, &present)) {
    return shapeError(error, "sendToGroup", "{\"g\": [group], \"x\"?: [clientId]}", head);
  }
  return true;
}

bool sessionHead(const JsonValue& head, Command* out, std::string* error) {
  const JsonValue* c = head.isObject() ? head.find("c") : nullptr;
  const JsonValue* p = head.isObject() ? head.find("p") : nullptr;
  const JsonValue* k = head.isObject() ? head.find("k") : nullptr;
  double pv = p && p->isNumber() ? p->numberValue() : -1;
  double kv = k && k->isNumber() ? k->numberValue() : 0;
  // Number.isInteger(p) && 0 <= p <= 0xffffffff; k === 1 | 2 | 3.
  bool pOk = pv >= 0 && pv <= 4294967295.0 && pv == static_cast<double>(static_cast<uint64_t>(pv));
  bool kOk = kv == 1 || kv == 2 || kv == 3;
  if (!c || !c->isString() || !pOk || !kOk) {
    return shapeError(error, "session", "{\"c\": clientId, \"p\": u32 patchId, \"k\": 1 | 2 | 3}", head);
  }
  out->clientId = c->text();
  out->patchId = static_cast<uint32_t>(pv);
  out->patchKind = static_cast<uint8_t>(kv);
  return true;
}

bool checkHead(const JsonValue& head, Command* out, std::string* error) {
  switch (out->op) {
    case kOpSendToClient: return stringHead("sendToClient", head, &out->clientId, error);
    case kOpSendToAll: return sendToAllHead(head, out, error);
    case kOpSendToUid:
      return stringList(&head, &out->names) || shapeError(error, "sendToUid", "an array of strings", head);
    case kOpSendToGroup: return sendToGroupHead(head, out, error);
    case kOpCloseClient: return stringHead("closeClient", head, &out->clientId, error);
    case kOpDestroyClient: return stringHead("destroyClient", head, &out->clientId, error);
    case kOpBindUid: return pairHead("bindUid", head, out, error);
    case kOpUnbindUid: return pairHead("unbindUid", head, out, error);
    case kOpJoinGroup: return pairHead("joinGroup", head, out, error);
    case kOpLeaveGroup: return pairHead("leaveGroup", head, out, error);
    case kOpUngroup: return stringHead("ungroup", head, &out->name, error);
    case kOpSession: return sessionHead(head, out, error);
  }
  return false;  // unreachable: the op was range-checked
}

}  // namespace

bool decodeCommand(std::string_view body, Command* out, std::string* error) {
  *out = Command();
  if (body.size() < 4) return fail(error, "command: truncated");
  const uint8_t* p = reinterpret_cast<const uint8_t*>(body.data());
  uint8_t op = p[0];
  if (op < kOpSendToClient || op > kOpSession) return fail(error, "command: unknown op " + std::to_string(op));
  size_t headLength = getU16BE(p + 2);
  if (body.size() < 4 + headLength) return fail(error, "command: arguments overrun the frame");
  JsonValue head;
  if (!parseJsonBuffer(body.substr(4, headLength), &head, nullptr)) {
    return fail(error, "command: arguments of op " + std::to_string(op) + " are not valid JSON");
  }
  out->op = op;
  out->flags = p[1];
  out->data = body.substr(4 + headLength);
  if (!checkHead(head, out, error)) {
    Command failed;
    failed.op = op;
    failed.flags = p[1];
    *out = std::move(failed);
    return false;
  }
  return true;
}

bool commandHeadError(std::string_view error) { return error.substr(0, 8) != "command:"; }

}  // namespace gh
