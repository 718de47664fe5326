#include "json/utf8_lossy.h"

#include <cstdint>

namespace gh {

void appendUtf8Lossy(std::string& out, std::string_view bytes) {
  static const char kReplacement[] = "\xEF\xBF\xBD";
  const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  out.reserve(out.size() + n);
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      i++;
      continue;
    }
    size_t needed;
    unsigned char lower = 0x80, upper = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      needed = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      needed = 2;
      if (c == 0xE0) lower = 0xA0;
      if (c == 0xED) upper = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      needed = 3;
      if (c == 0xF0) lower = 0x90;
      if (c == 0xF4) upper = 0x8F;
    } else {
      out.append(kReplacement, 3);
      i++;
      continue;
    }
    // Take continuation bytes while they fit; the first misfit ends the
    // subpart (one U+FFFD) and is looked at again as a fresh start.
    size_t seen = 0;
    while (seen < needed && i + 1 + seen < n) {
      unsigned char b = p[i + 1 + seen];
      if (b < lower || b > upper) break;
      lower = 0x80;
      upper = 0xBF;
      seen++;
    }
    if (seen == needed) {
      out.append(reinterpret_cast<const char*>(p + i), needed + 1);
    } else {
      out.append(kReplacement, 3);
    }
    i += 1 + seen;
  }
}

}  // namespace gh
