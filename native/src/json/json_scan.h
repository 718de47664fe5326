#pragma once
// Lexical pieces of JSON shared by the validator and the DOM parser, so both
// accept exactly the same texts.
#include <cstddef>
#include <string>
#include <string_view>

namespace gh {
namespace json_scan {

inline bool isJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

inline size_t skipSpace(std::string_view s, size_t i) {
  while (i < s.size() && isJsonSpace(s[i])) i++;
  return i;
}

// s[i] starts a number ('-' or a digit). Returns the index after it, or npos
// when the number is malformed (leading zeros, missing digits).
size_t scanNumber(std::string_view s, size_t i);

// s[i] is the opening quote. Returns the index after the closing quote, or npos
// with *why set (control character, bad escape, invalid UTF-8, unterminated).
// *plain is true when the string holds no escape, so its bytes are its value.
size_t scanString(std::string_view s, size_t i, bool* plain, const char** why);

// Decodes the string whose quotes sit at s[start] and s[end - 1], as scanned by
// scanString, appending its UTF-8 value. An escaped pair of surrogates becomes
// one 4-byte character; a lone surrogate escape (JSON.parse accepts it) becomes
// the 3-byte generalized-UTF-8 form of that code unit, which appendJsonString
// turns back into the \udxxx escape JSON.stringify writes.
void decodeString(std::string_view s, size_t start, size_t end, std::string* out);

// Formats "<what> at position N" into *error when error is not null.
void setError(std::string* error, const char* what, size_t pos);

}  // namespace json_scan
}  // namespace gh
