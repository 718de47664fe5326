// Sessions under patches: a failed patch leaves the session as it was; a
// applied one gives a compact JSON object that reserializes to itself; and
// applying the same replace or merge twice changes nothing more (a diff is
// not idempotent: a key both deleted and set moves to the end each time).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "json/json_value.h"
#include "json/session_patch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  int kind = data[0] % 5;  // 0 and 4 are unknown kinds
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  // Input: first patch (a replace, to reach varied sessions) \0 second patch.
  size_t cut = rest.find('\0');
  std::string_view first = cut == std::string_view::npos ? std::string_view() : rest.substr(0, cut);
  std::string_view second = cut == std::string_view::npos ? rest : rest.substr(cut + 1);
  std::string session = "{}";
  std::string error;
  gh::applySessionPatch(session, 2, first, &error);
  std::string before = session;
  if (!gh::applySessionPatch(session, kind, second, &error)) {
    if (session != before || error.empty()) std::abort();
    return 0;
  }
  gh::JsonValue v;
  if (!gh::parseJson(session, &v, &error) || !v.isObject()) std::abort();
  std::string canonical;
  gh::serializeJson(v, canonical);
  if (canonical != session) std::abort();
  std::string again = session;
  if (!gh::applySessionPatch(again, kind, second, &error)) std::abort();
  if (kind != gh::kSessionPatchDiff && again != session) std::abort();
  return 0;
}
