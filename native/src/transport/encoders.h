// The client encoders of src/transport/encoder.ts: what the gateway writes for
// one message the app sends, the inverse of the listener's framer.
#pragma once
#include <string>
#include <string_view>

#include "transport/framing_types.h"

namespace gh {

// text and json: data then '\n' (a '\n' inside data is not escaped).
void appendLine(std::string& out, std::string_view data);

// frame: the length header per options, then data. A length that does not fit
// the header (over 65535 for 2 bytes, counting the header when
// lengthIncludesHeader) appends nothing and returns false with the message of
// the JS RangeError: "message of N bytes is too long for a H-byte frame header
// (at most M bytes)".
bool appendLengthPrefixed(std::string& out, std::string_view data, FrameOptions options, std::string* error);

}  // namespace gh
