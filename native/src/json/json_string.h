#pragma once
#include <string>
#include <string_view>

namespace gh {

// Exact where it writes a session or the handshake payload (a lone surrogate
// must reach the app as the JS engine's would); elsewhere any valid JSON would do.
// Appends JSON.stringify(string) byte for byte, for valid UTF-8 input:
// quotes, escapes \" \\ \b \f \n \r \t, other controls as \u00xx (lowercase),
// everything else (DEL, U+2028/U+2029, non-ASCII) raw. The 3-byte form of a
// lone surrogate (ED A0..BF xx, never in valid UTF-8, but how the DOM keeps a
// parsed "\ud800") is written as \udxxx, as JSON.stringify does for a lone
// surrogate. Other invalid UTF-8 is copied as it is; callers validate first.
void appendJsonString(std::string& out, std::string_view utf8);

}  // namespace gh
