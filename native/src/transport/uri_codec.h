// The string decodings readHandshake relies on, on UTF-8 bytes: Node's latin1
// view of header bytes, decodeURIComponent, and the
// application/x-www-form-urlencoded parsing of URLSearchParams.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gh {

// Each byte as the code point of the same value, in UTF-8 (Node's latin1).
std::string latin1ToUtf8(std::string_view bytes);

// decodeURIComponent of a UTF-8 string: false (a URIError in JS) when a '%' is
// not followed by two hex digits or the escapes do not spell valid UTF-8.
bool decodeUriComponent(std::string_view text, std::string* out);

// new URLSearchParams(search) as name/value pairs in order: one leading '?'
// dropped, '&'-separated, empty pairs skipped, split at the first '=', '+' a
// space, %XX decoded (a malformed escape kept as it is), then decoded with
// utf8Lossy (the WHATWG decoder, which URLSearchParams uses too).
std::vector<std::pair<std::string, std::string>> parseUrlEncoded(std::string_view search);

}  // namespace gh
