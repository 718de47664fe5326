#pragma once
// Query frames (W -> G): u32 requestId ‖ JSON {op, args}, as command-codec.ts
// decodeQuery checks them.
#include <cstdint>
#include <string>
#include <string_view>

#include "json/json_value.h"

namespace gh {

// Errors: "query: truncated", "query: not valid JSON",
// 'query: expected {"op": string, "args": array}'. *args gets the args array.
bool decodeQuery(std::string_view body, uint32_t* requestId, std::string* op, JsonValue* args, std::string* error);

}  // namespace gh
