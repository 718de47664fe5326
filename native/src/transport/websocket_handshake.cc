#include "transport/websocket_handshake.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <unordered_set>

#include "util/crypto.h"

namespace gh {

namespace {

const char kGuid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool isBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// /^[+/0-9A-Za-z]{22}==$/
bool validKey(std::string_view key) {
  if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
  for (size_t i = 0; i < 22; i++) {
    if (!isBase64Char(key[i])) return false;
  }
  return true;
}

// ws's tokenChars: the RFC 7230 tchar set.
bool isTokenChar(unsigned char c) {
  if (c >= 0x80) return false;
  static const char kSeparators[] = "()<>@,;:\\\"/[]?={} \t";
  if (c <= 0x20 || c == 0x7f) return false;
  for (const char* s = kSeparators; *s != '\0'; s++) {
    if (c == static_cast<unsigned char>(*s)) return false;
  }
  return true;
}

// subprotocol.parse of ws, character for character (including its refusal of
// trailing white space); false where it throws.
bool parseSubprotocols(std::string_view header, std::string* first) {
  std::unordered_set<std::string> seen;
  long start = -1, end = -1;
  size_t i = 0;
  for (; i < header.size(); i++) {
    auto code = static_cast<unsigned char>(header[i]);
    if (end == -1 && isTokenChar(code)) {
      if (start == -1) start = static_cast<long>(i);
    } else if (i != 0 && (code == ' ' || code == '\t')) {
      if (end == -1 && start != -1) end = static_cast<long>(i);
    } else if (code == ',') {
      if (start == -1) return false;
      if (end == -1) end = static_cast<long>(i);
      std::string protocol(header.substr(static_cast<size_t>(start), static_cast<size_t>(end - start)));
      if (seen.empty()) *first = protocol;
      if (!seen.insert(protocol).second) return false;
      start = end = -1;
    } else {
      return false;
    }
  }
  if (start == -1 || end != -1) return false;
  std::string protocol(header.substr(static_cast<size_t>(start), i - static_cast<size_t>(start)));
  if (seen.empty()) *first = protocol;
  return seen.insert(protocol).second;
}

// +value of JavaScript (StringToNumber) for a latin1 header value: NaN -> nan.
double jsNumber(std::string_view s) {
  auto space = [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0xa0;
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  if (s.empty()) return 0;
  if (s.size() > 2 && s[0] == '0' && (lower(s[1]) == 'x' || lower(s[1]) == 'o' || lower(s[1]) == 'b')) {
    int base = lower(s[1]) == 'x' ? 16 : lower(s[1]) == 'o' ? 8 : 2;
    double v = 0;
    for (size_t i = 2; i < s.size(); i++) {
      char c = lower(s[i]);
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 99;
      if (d >= base) return std::nan("");
      v = v * base + d;
    }
    return v;
  }
  // StrDecimalLiteral: [+-] (Infinity | digits [. digits] | . digits) [e [+-] digits]
  size_t i = 0;
  if (s[i] == '+' || s[i] == '-') i++;
  std::string_view body = s.substr(i);
  if (body == "Infinity") return s[0] == '-' ? -INFINITY : INFINITY;
  size_t digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') i++, digits++;
  if (i < s.size() && s[i] == '.') {
    i++;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') i++, digits++;
  }
  if (digits == 0) return std::nan("");
  if (i < s.size() && lower(s[i]) == 'e') {
    i++;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) i++;
    size_t exponent = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') i++, exponent++;
    if (exponent == 0) return std::nan("");
  }
  if (i != s.size()) return std::nan("");
  std::string text(s);
  return std::strtod(text.c_str(), nullptr);
}

const char* statusText(int code) {
  switch (code) {
    case 400: return "Bad Request";
    case 405: return "Method Not Allowed";
    default: return "Error";
  }
}

// abortHandshake of ws: the message is the body.
std::string refusal(int code, std::string_view message, std::string_view extraHeader) {
  std::string out = "HTTP/1.1 " + std::to_string(code) + " " + statusText(code) +
                    "\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: " +
                    std::to_string(message.size()) + "\r\n";
  out.append(extraHeader);
  out.append("\r\n");
  out.append(message);
  return out;
}

}  // namespace

bool isUpgradeRequest(const HttpRequest& request) {
  return request.method != "CONNECT" && request.find("upgrade") != nullptr && request.connectionHas("upgrade");
}

std::string webSocketAccept(std::string_view key) {
  std::string input(key);
  input.append(kGuid);
  uint8_t digest[kSha1Size];
  sha1(reinterpret_cast<const uint8_t*>(input.data()), input.size(), digest);
  return base64Encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

bool answerUpgrade(const HttpRequest& request, std::string* response) {
  if (request.method != "GET") {
    *response = refusal(405, "Invalid HTTP method", "");
    return false;
  }
  std::string upgrade;
  bool isWebSocket = request.nodeValue("upgrade", &upgrade) && upgrade.size() == 9;
  for (size_t i = 0; isWebSocket && i < 9; i++) isWebSocket = lower(upgrade[i]) == "websocket"[i];
  if (!isWebSocket) {
    *response = refusal(400, "Invalid Upgrade header", "");
    return false;
  }
  std::string key;
  if (!request.nodeValue("sec-websocket-key", &key) || !validKey(key)) {
    *response = refusal(400, "Missing or invalid Sec-WebSocket-Key header", "");
    return false;
  }
  std::string versionText;
  double version = request.nodeValue("sec-websocket-version", &versionText) ? jsNumber(versionText) : std::nan("");
  if (version != 13 && version != 8) {
    *response = refusal(400, "Missing or invalid Sec-WebSocket-Version header", "Sec-WebSocket-Version: 13, 8\r\n");
    return false;
  }
  std::string protocols, protocol;
  if (request.nodeValue("sec-websocket-protocol", &protocols) && !parseSubprotocols(protocols, &protocol)) {
    *response = refusal(400, "Invalid Sec-WebSocket-Protocol header", "");
    return false;
  }
  *response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ";
  response->append(webSocketAccept(key));
  response->append("\r\n");
  if (!protocol.empty()) response->append("Sec-WebSocket-Protocol: ").append(protocol).append("\r\n");
  response->append("\r\n");
  return true;
}

std::string_view serviceUnavailableResponse() {
  return "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
}

}  // namespace gh
