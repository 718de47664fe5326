#include "util/utf8.h"

#include <cstring>

namespace gh {

namespace {

const char kReplacement[] = "\xEF\xBF\xBD";

// At p[0] >= 0x80, with n >= 1 bytes left: how many bytes belong to the
// character starting there, and whether they make a whole one. When not,
// those bytes are one maximal subpart (at least 1). Table 3-7 of the Unicode
// standard: the second byte's range depends on the first, later ones are 80..BF.
size_t sequenceAt(const uint8_t* p, size_t n, bool* whole) {
  uint8_t b = p[0];
  size_t need;
  uint8_t lo = 0x80, hi = 0xBF;  // the range allowed for the second byte
  if (b >= 0xC2 && b <= 0xDF) {
    need = 1;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 2;
    if (b == 0xE0) lo = 0xA0;       // overlong
    else if (b == 0xED) hi = 0x9F;  // surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 3;
    if (b == 0xF0) lo = 0x90;       // overlong
    else if (b == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    *whole = false;  // continuation byte, C0/C1 (overlong) or F5..FF
    return 1;
  }
  size_t len = 1;
  while (len <= need && len < n && p[len] >= lo && p[len] <= hi) {
    lo = 0x80;
    hi = 0xBF;
    len++;
  }
  *whole = len == need + 1;
  return len;
}

// The length of the longest well-formed prefix of p[0..n).
size_t validPrefix(const uint8_t* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    // ASCII runs dominate real traffic: skip them 8 bytes at a time.
    while (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      if (word & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    if (p[i] < 0x80) {
      i++;
      continue;
    }
    bool whole;
    size_t len = sequenceAt(p + i, n - i, &whole);
    if (!whole) return i;
    i += len;
  }
  return n;
}

}  // namespace

bool utf8Valid(const uint8_t* p, size_t n) { return validPrefix(p, n) == n; }

void appendUtf8Lossy(std::string& out, std::string_view bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t n = bytes.size();
  out.reserve(out.size() + n);
  size_t i = 0;
  while (i < n) {
    size_t good = validPrefix(p + i, n - i);
    out.append(bytes.data() + i, good);
    i += good;
    if (i == n) break;
    bool whole;
    i += sequenceAt(p + i, n - i, &whole);
    out.append(kReplacement, 3);
  }
}

std::string utf8Lossy(std::string_view bytes) {
  std::string out;
  appendUtf8Lossy(out, bytes);
  return out;
}

}  // namespace gh
