#include "json/json_number.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace gh {

namespace {

// Integers of up to 15 digits without a leading zero are exactly what
// Number#toString writes, so the common case skips the double round trip.
bool alreadyCanonical(std::string_view t) {
  size_t i = t.size() > 0 && t[0] == '-' ? 1 : 0;
  size_t digits = t.size() - i;
  if (digits == 0 || digits > 15) return false;
  if (t[i] == '0') return digits == 1 && i == 0;  // "0" yes, "-0" and "01" no
  for (size_t k = i; k < t.size(); k++)
    if (t[k] < '0' || t[k] > '9') return false;
  return true;
}

}  // namespace

double jsonNumberValue(std::string_view text) {
  double v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec == std::errc::result_out_of_range) {
    // from_chars leaves v untouched on range errors: decide overflow vs underflow.
    // strtod needs a terminated copy; the text is bounded by its JSON source.
    std::string copy(text);
    v = std::strtod(copy.c_str(), nullptr);
  }
  return v;
}

void appendJsDouble(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out.append("null");
    return;
  }
  if (v == 0) {
    out.push_back('0');
    return;
  }
  char buf[64];
  // Shortest round-trip digits, as d.ddde[+-]x.
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(r.ptr - buf));
  size_t pos = 0;
  if (sci[0] == '-') {
    out.push_back('-');
    pos = 1;
  }
  char digits[32];
  int k = 0;
  size_t e = sci.find('e');
  for (size_t i = pos; i < e; i++)
    if (sci[i] != '.') digits[k++] = sci[i];
  int exp10 = std::atoi(std::string(sci.substr(e + 1)).c_str());
  int n = exp10 + 1;  // value = 0.digits x 10^n
  if (k <= n && n <= 21) {
    out.append(digits, static_cast<size_t>(k));
    out.append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, static_cast<size_t>(n));
    out.push_back('.');
    out.append(digits + n, static_cast<size_t>(k - n));
  } else if (-6 < n && n <= 0) {
    out.append("0.");
    out.append(static_cast<size_t>(-n), '0');
    out.append(digits, static_cast<size_t>(k));
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out.append(digits + 1, static_cast<size_t>(k - 1));
    }
    out.push_back('e');
    out.push_back(n - 1 >= 0 ? '+' : '-');
    out.append(std::to_string(std::abs(n - 1)));
  }
}

void appendJsNumber(std::string& out, std::string_view text) {
  if (alreadyCanonical(text)) {
    out.append(text);
    return;
  }
  appendJsDouble(out, jsonNumberValue(text));
}

}  // namespace gh
