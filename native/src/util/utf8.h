// The one UTF-8 decoder of the native engine: a validator and a lossy decode
// that share one rule for where a character (or an ill-formed part) ends.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gh {

// Strict UTF-8 (no overlong forms, no surrogates U+D800..DFFF, nothing above
// U+10FFFF, no truncated sequence at the end): the verdict of Node's
// buffer.isUtf8, which is also what ws applies to text messages and close
// reasons and what judgeJsonLine needs before parsing.
bool utf8Valid(const uint8_t* p, size_t n);

// `bytes` decoded as Node's buffer.toString('utf8') decodes them (the WHATWG
// Encoding standard's UTF-8 decoder, which V8 follows): well-formed characters
// are copied as they are, and each maximal subpart of an ill-formed sequence
// becomes one U+FFFD — the bytes that could still begin a character, ended by
// the first byte that cannot continue it, which is then read again. So
// E2 82 41 gives U+FFFD 'A', C0 80 two U+FFFD, ED A0 80 three, a sequence cut
// off at the end one. The result is always valid UTF-8.
void appendUtf8Lossy(std::string& out, std::string_view bytes);
std::string utf8Lossy(std::string_view bytes);

}  // namespace gh
