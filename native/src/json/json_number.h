#pragma once
#include <string>
#include <string_view>

namespace gh {

// Exact because these numbers reach the app in sessions: kept as written, "-0"
// and "1e400" would parse there as -0 and Infinity where the JS engine keeps 0 and null.
// Appends what JSON.stringify writes for the JSON number text `text` (already
// validated by the JSON grammar): the double JSON.parse gives, formatted by
// Number#toString rules (shortest round trip; 1.0 -> 1, 1e2 -> 100,
// 1e21 -> 1e+21, 1e-7 -> 1e-7, -0 -> 0), or null when it overflows to
// +-Infinity, as JSON.stringify(Infinity) is "null".
void appendJsNumber(std::string& out, std::string_view text);

// Appends Number#toString of a finite double (NaN/Infinity give "null").
void appendJsDouble(std::string& out, double value);

// The double JSON.parse gives for a JSON number text (+-Infinity on overflow).
double jsonNumberValue(std::string_view text);

}  // namespace gh
