#include "transport/uri_codec.h"

#include <cstdint>

#include "util/utf8.h"

namespace gh {

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The byte of "%XX" at text[i], or -1.
int escapeAt(std::string_view text, size_t i) {
  if (i + 2 >= text.size() || text[i] != '%') return -1;
  int hi = hexValue(text[i + 1]), lo = hexValue(text[i + 2]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

}  // namespace

std::string latin1ToUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (char ch : bytes) {
    auto c = static_cast<uint8_t>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

bool decodeUriComponent(std::string_view text, std::string* out) {
  out->clear();
  out->reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '%') {
      out->push_back(text[i++]);
      continue;
    }
    int first = escapeAt(text, i);
    if (first < 0) return false;
    i += 3;
    if (first < 0x80) {
      out->push_back(static_cast<char>(first));
      continue;
    }
    // A multi-byte character: all its bytes must be escapes, and valid UTF-8.
    int count = (first & 0xE0) == 0xC0 ? 2 : (first & 0xF0) == 0xE0 ? 3 : (first & 0xF8) == 0xF0 ? 4 : 0;
    if (count == 0) return false;
    uint8_t octets[4] = {static_cast<uint8_t>(first), 0, 0, 0};
    for (int k = 1; k < count; k++) {
      int next = escapeAt(text, i);
      if (next < 0 || (next & 0xC0) != 0x80) return false;
      octets[k] = static_cast<uint8_t>(next);
      i += 3;
    }
    if (!utf8Valid(octets, static_cast<size_t>(count))) return false;
    out->append(reinterpret_cast<const char*>(octets), static_cast<size_t>(count));
  }
  return true;
}

namespace {

std::string decodeFormPart(std::string_view part) {
  std::string bytes;
  bytes.reserve(part.size());
  for (size_t i = 0; i < part.size(); i++) {
    char c = part[i];
    if (c == '+') {
      bytes.push_back(' ');
      continue;
    }
    int escaped = c == '%' ? escapeAt(part, i) : -1;
    if (escaped >= 0) {
      bytes.push_back(static_cast<char>(escaped));
      i += 2;
    } else {
      bytes.push_back(c);
    }
  }
  return utf8Lossy(bytes);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parseUrlEncoded(std::string_view search) {
  std::vector<std::pair<std::string, std::string>> pairs;
  if (!search.empty() && search[0] == '?') search.remove_prefix(1);
  while (!search.empty()) {
    size_t amp = search.find('&');
    std::string_view pair = search.substr(0, amp);
    search.remove_prefix(amp == std::string_view::npos ? search.size() : amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    pairs.emplace_back(decodeFormPart(name), decodeFormPart(value));
  }
  return pairs;
}

}  // namespace gh
