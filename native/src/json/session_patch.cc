#include "json/session_patch.h"

#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

#include "json/json_value.h"

namespace gh {

namespace {

void setError(std::string* error, std::string text) {
  if (error) *error = std::move(text);
}

// deepMerge of session-patch.ts: objects merge key by key, anything else
// (arrays included) replaces. A key missing from target falls through to
// Object.prototype in JS, whose properties are all functions (never plain
// objects) but "__proto__", which is skipped: so "absent" behaves the same.
void deepMerge(JsonValue& target, JsonValue&& source);

// Object.keys order of the source, "__proto__" left out (the JS skips it).
std::vector<JsonValue::Member> membersWithoutProto(JsonValue& source) {
  std::vector<JsonValue::Member> members = source.takeMembers();
  for (size_t i = 0; i < members.size(); i++) {
    if (members[i].first == "__proto__") {
      members.erase(members.begin() + static_cast<std::ptrdiff_t>(i));
      break;  // keys are unique
    }
  }
  return members;
}

// deepMerge of session-patch.ts: objects merge key by key, anything else
// (arrays included) replaces. A key missing from target falls through to
// Object.prototype in JS, whose properties are all functions (never plain
// objects) but "__proto__", which is skipped: so "absent" behaves the same.
void deepMerge(JsonValue& target, JsonValue&& source) {
  target.upsertAll(membersWithoutProto(source), [](JsonValue& t, JsonValue&& s) {
    if (t.isObject() && s.isObject()) {
      deepMerge(t, std::move(s));
    } else {
      t = std::move(s);
    }
  });
}

bool isStringArray(const JsonValue& v) {
  if (!v.isArray()) return false;
  for (const JsonValue& item : v.items())
    if (!item.isString()) return false;
  return true;
}

}  // namespace

bool applySessionPatch(std::string& session, int kind, std::string_view data, std::string* error) {
  JsonValue patch;
  std::string parseError;
  if (!parseJsonBuffer(data, &patch, &parseError)) {
    setError(error, "invalid JSON: " + parseError);
    return false;
  }
  if (kind == kSessionPatchDiff) {
    const JsonValue* s = patch.isObject() ? patch.find("s") : nullptr;
    const JsonValue* d = patch.isObject() ? patch.find("d") : nullptr;
    if (!s || !s->isObject() || !d || !isStringArray(*d)) {
      setError(error, "session diff must be {\"s\": object, \"d\": string[]}");
      return false;
    }
  } else if (kind != kSessionPatchReplace && kind != kSessionPatchMerge) {
    setError(error, "unknown session patch kind " + std::to_string(kind));
    return false;
  } else if (!patch.isObject()) {
    setError(error, "a session must be a JSON object");
    return false;
  }

  if (kind == kSessionPatchReplace) {
    // structuredClone keeps every own key, "__proto__" included.
    std::string out;
    serializeJson(patch, out);
    session = std::move(out);
    return true;
  }

  JsonValue current;
  if (!parseJson(session, &current, &parseError) || !current.isObject()) {
    setError(error, "the session is not a JSON object: " + parseError);
    return false;
  }
  if (kind == kSessionPatchDiff) {
    std::vector<std::string_view> doomed;
    for (const JsonValue& key : patch.find("d")->items()) doomed.push_back(key.text());
    current.removeAll(doomed);
    current.upsertAll(membersWithoutProto(*patch.find("s")), [](JsonValue& existing, JsonValue&& v) {
      existing = std::move(v);
    });
  } else {
    deepMerge(current, std::move(patch));
  }
  std::string out;
  serializeJson(current, out);
  session = std::move(out);
  return true;
}

}  // namespace gh
