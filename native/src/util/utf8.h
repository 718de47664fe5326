#pragma once
#include <cstddef>
#include <cstdint>

namespace gh {

// Strict UTF-8 (no overlong forms, no surrogates U+D800..DFFF, nothing above
// U+10FFFF, no truncated sequence at the end): the verdict of Node's
// buffer.isUtf8, which is also what ws applies to text messages and close
// reasons and what judgeJsonLine needs before parsing.
bool utf8Valid(const uint8_t* p, size_t n);

}  // namespace gh
