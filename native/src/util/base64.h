#pragma once
#include <string>
#include <string_view>

namespace gh {

// Standard alphabet (RFC 4648 section 4), with '=' padding.
std::string base64Encode(std::string_view bytes);

// Strict decoding of the standard alphabet: padding optional but, when present,
// correct; no whitespace, no URL-safe characters, no bits left over in the last
// character. On false *out is unspecified.
bool base64Decode(std::string_view text, std::string* out);

}  // namespace gh
