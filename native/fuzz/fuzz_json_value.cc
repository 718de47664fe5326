// parseJson agrees with jsonValid, and serializeJson is a fixed point after
// one round: stringify(parse(stringify(parse(x)))) == stringify(parse(x)).
// The Buffer-like decode always gives valid UTF-8, and valid input unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "json/json_valid.h"
#include "json/json_value.h"
#include "util/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string decoded;
  gh::appendUtf8Lossy(decoded, text);
  if (!gh::utf8Valid(reinterpret_cast<const uint8_t*>(decoded.data()), decoded.size())) std::abort();
  if (gh::utf8Valid(data, size) && decoded != text) std::abort();
  gh::JsonValue fromBuffer;
  if (gh::parseJsonBuffer(text, &fromBuffer, nullptr) != gh::jsonValid(decoded, nullptr)) std::abort();

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
