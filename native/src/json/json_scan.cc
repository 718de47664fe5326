#include "json/json_scan.h"

#include <cstdint>
#include <cstdio>

#include "util/utf8.h"

namespace gh {
namespace json_scan {

namespace {

inline bool isDigit(char c) { return c >= '0' && c <= '9'; }

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void appendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The 4 hex digits at s[i..i+4) (already validated by scanString).
uint32_t hex4(std::string_view s, size_t i) {
  uint32_t v = 0;
  for (size_t k = 0; k < 4; k++) v = (v << 4) | static_cast<uint32_t>(hexValue(s[i + k]));
  return v;
}

}  // namespace

size_t scanNumber(std::string_view s, size_t i) {
  size_t n = s.size();
  if (i < n && s[i] == '-') i++;
  if (i >= n || !isDigit(s[i])) return std::string_view::npos;
  if (s[i] == '0') {
    i++;
  } else {
    while (i < n && isDigit(s[i])) i++;
  }
  if (i < n && s[i] == '.') {
    i++;
    if (i >= n || !isDigit(s[i])) return std::string_view::npos;
    while (i < n && isDigit(s[i])) i++;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    if (i >= n || !isDigit(s[i])) return std::string_view::npos;
    while (i < n && isDigit(s[i])) i++;
  }
  return i;
}

size_t scanString(std::string_view s, size_t i, bool* plain, const char** why) {
  size_t n = s.size();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
  *plain = true;
  i++;  // the opening quote
  while (i < n) {
    unsigned char c = p[i];
    if (c == '"') return i + 1;
    if (c < 0x20) {
      *why = "control character in string";
      return std::string_view::npos;
    }
    if (c == '\\') {
      *plain = false;
      if (i + 1 >= n) break;
      char e = s[i + 1];
      if (e == 'u') {
        if (i + 5 >= n) break;
        for (size_t k = 2; k < 6; k++) {
          if (hexValue(s[i + k]) < 0) {
            *why = "bad \\u escape in string";
            return std::string_view::npos;
          }
        }
        i += 6;
        continue;
      }
      if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
        *why = "bad escape in string";
        return std::string_view::npos;
      }
      i += 2;
      continue;
    }
    if (c < 0x80) {
      i++;
      continue;
    }
    // A maximal run of non-ASCII bytes is valid exactly when it is a
    // sequence of whole UTF-8 characters, since ASCII never occurs inside one.
    size_t run = i;
    while (i < n && p[i] >= 0x80) i++;
    if (!utf8Valid(p + run, i - run)) {
      *why = "not valid UTF-8";
      return std::string_view::npos;
    }
  }
  *why = "unterminated string";
  return std::string_view::npos;
}

void decodeString(std::string_view s, size_t start, size_t end, std::string* out) {
  size_t i = start + 1;
  size_t last = end - 1;  // the closing quote
  while (i < last) {
    size_t run = i;
    while (i < last && s[i] != '\\') i++;
    out->append(s.data() + run, i - run);
    if (i >= last) break;
    char e = s[i + 1];
    i += 2;
    switch (e) {
      case 'b': out->push_back('\b'); break;
      case 'f': out->push_back('\f'); break;
      case 'n': out->push_back('\n'); break;
      case 'r': out->push_back('\r'); break;
      case 't': out->push_back('\t'); break;
      case 'u': {
        uint32_t unit = hex4(s, i);
        i += 4;
        if (unit >= 0xD800 && unit <= 0xDBFF && i + 6 <= last && s[i] == '\\' && s[i + 1] == 'u') {
          uint32_t low = hex4(s, i + 2);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            appendUtf8(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
            i += 6;
            break;
          }
        }
        appendUtf8(out, unit);  // lone surrogates too: 3-byte generalized UTF-8
        break;
      }
      default: out->push_back(e);  // " \ /
    }
  }
}

void setError(std::string* error, const char* what, size_t pos) {
  if (!error) return;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s at position %zu", what, pos);
  *error = buf;
}

}  // namespace json_scan
}  // namespace gh
