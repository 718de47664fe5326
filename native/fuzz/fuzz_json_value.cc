// parseJson agrees with jsonValid, and serializeJson is a fixed point after
// one round: stringify(parse(stringify(parse(x)))) == stringify(parse(x)).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "json/json_valid.h"
#include "json/json_value.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  gh::JsonValue v;
  std::string error;
  bool parsed = gh::parseJson(text, &v, &error);
  if (parsed != gh::jsonValid(text, nullptr)) std::abort();
  if (!parsed) {
    if (error.empty()) std::abort();
    return 0;
  }
  std::string once;
  gh::serializeJson(v, once);
  gh::JsonValue again;
  if (!gh::parseJson(once, &again, &error)) std::abort();
  std::string twice;
  gh::serializeJson(again, twice);
  if (once != twice) std::abort();
  return 0;
}
