// judgeJsonLine of src/transport/json-line.ts: what one line of a json
// listener is (the line already without its '\n' / "\r\n").
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace gh {

enum class JsonLineKind : uint8_t { Message, Blank, Invalid };

struct JsonLineVerdict {
  JsonLineKind kind = JsonLineKind::Message;
  std::string reason;  // Invalid only: "invalid JSON: not valid UTF-8" or "invalid JSON: <parser message>"
};

// Blank: only spaces, tabs and '\r' (or nothing). Invalid: not UTF-8 (checked
// first), or not one JSON text for JSON.parse. Otherwise Message. The text after
// "invalid JSON: " differs from V8's wording (only the prefix is a contract).
JsonLineVerdict judgeJsonLine(const uint8_t* line, size_t size);

}  // namespace gh
