#include "transport/raw_handshake.h"

#include "json/json_string.h"

namespace gh {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Each byte as the code point of the same value (Node's latin1), as a JSON string.
void appendLatin1(std::string& out, std::string_view bytes) {
  std::string utf8;
  utf8.reserve(bytes.size());
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      utf8.push_back(ch);
    } else {
      utf8.push_back(static_cast<char>(0xc0 | (c >> 6)));
      utf8.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    }
  }
  appendJsonString(out, utf8);
}

}  // namespace

std::string normalizeAddress(std::string_view address) {
  // /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i
  static const char kPrefix[] = "::ffff:";
  if (address.size() < 7) return std::string(address);
  for (size_t i = 0; i < 7; i++) {
    char c = address[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != kPrefix[i]) return std::string(address);
  }
  std::string_view v4 = address.substr(7);
  size_t i = 0;
  for (int part = 0; part < 4; part++) {
    if (part > 0) {
      if (i >= v4.size() || v4[i] != '.') return std::string(address);
      i++;
    }
    size_t digits = 0;
    while (i < v4.size() && isDigit(v4[i]) && digits < 4) {
      i++;
      digits++;
    }
    if (digits == 0 || digits > 3) return std::string(address);
  }
  if (i != v4.size()) return std::string(address);
  return std::string(v4);
}

std::string rawHandshakeJson(const HttpRequest& request, std::string_view remoteAddress, int remotePort) {
  std::string out = "{\"url\":";
  appendLatin1(out, request.target);
  out.append(",\"rawHeaders\":[");
  for (size_t i = 0; i < request.headers.size(); i++) {
    if (i > 0) out.push_back(',');
    appendLatin1(out, request.headers[i].name);
    out.push_back(',');
    appendLatin1(out, request.headers[i].value);
  }
  out.append("],\"remoteAddress\":");
  appendJsonString(out, normalizeAddress(remoteAddress));
  out.append(",\"remotePort\":");
  out.append(std::to_string(remotePort));
  out.push_back('}');
  return out;
}

}  // namespace gh
