#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace gh {

// Nesting deeper than this is refused rather than followed, so a hostile line
// cannot exhaust the stack; 512 arrays/objects deep is still accepted.
constexpr int kMaxJsonDepth = 512;

// True exactly when JSON.parse accepts the text (JSON whitespace around it is
// allowed). The bytes must be valid UTF-8: invalid sequences inside strings are
// refused, because Buffer#toString would hide them behind U+FFFD. On false,
// *error (when given) gets a free-text reason with the byte position.
bool jsonValid(std::string_view text, std::string* error);

}  // namespace gh
