#pragma once
#include <string>
#include <string_view>

namespace gh {

// Appends `bytes` decoded as Node's buffer.toString('utf8') decodes them:
// each maximal invalid subpart becomes U+FFFD (the WHATWG Encoding
// standard's UTF-8 decoder, which V8 follows); valid input is copied as is.
// The JS side parses every link JSON through such a decode, so the native
// side does too before judging it.
void appendUtf8Lossy(std::string& out, std::string_view bytes);

}  // namespace gh
