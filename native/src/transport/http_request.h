// An HTTP/1.x request head (request line and header fields), parsed
// incrementally with fixed bounds, for the websocket listener: the upgrade
// request, or a plain GET for a static route. Bodies are not parsed; the
// request tells whether one follows (so the connection is closed after the
// answer instead of reading it).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gh {

struct HttpHeader {
  std::string name;   // as sent (a token)
  std::string value;  // bytes as sent, without surrounding spaces/tabs (Node decodes them as latin1)
};

struct HttpRequest {
  std::string method;  // as sent (a token, case-sensitive like Node's)
  std::string target;  // the request target as sent, e.g. "/chat?room=1"
  int versionMajor = 1;  // HTTP/0.9, 1.0, 1.1 and 2.0 are taken, as llhttp takes them
  int versionMinor = 1;
  std::vector<HttpHeader> headers;  // in order, duplicates kept

  // The first header with this name (case-insensitive), or null.
  const HttpHeader* find(std::string_view name) const;
  // req.headers[lowerName] as Node builds it (as bytes): repeated headers
  // joined with ", " ("; " for cookie), or the first one only for the fields
  // Node keeps once (host, content-type, content-length, user-agent, ...).
  // False when the header is absent. Not for set-cookie (an array in Node).
  bool nodeValue(std::string_view lowerName, std::string* out) const;
  // Whether the Connection header (every one) lists this token (case-insensitive).
  bool connectionHas(std::string_view token) const;
  // Whether a body follows the head (Content-Length > 0 or Transfer-Encoding).
  bool hasBody() const;
  // HTTP/1.1 without "Connection: close", or another version with "Connection: keep-alive".
  bool keepAlive() const;
};

class HttpRequestParser {
 public:
  static constexpr size_t kMaxHeadSize = 16 * 1024;  // Node's default maxHeaderSize
  static constexpr size_t kMaxHeaders = 100;

  enum class Status : uint8_t { Incomplete, Complete, Failed };

  // Takes bytes until the head is whole. Complete: *used (<= size) is how many
  // of these bytes were the head's; the rest belong to what follows (body, or
  // the first WebSocket frames). Failed: the head is not one Node 20's llhttp
  // accepts (known upper-case methods, a target of visible ASCII, HTTP/0.9,
  // 1.0, 1.1 or 2.0, CRLF line ends, token names, no obs-fold, no control
  // bytes in values, one valid Content-Length and not with Transfer-Encoding),
  // or it is over a bound; answer with errorResponse() and close. An HTTP/1.1
  // request without Host is parsed (Node upgrades it; StaticRoutes answers it
  // 400). After Complete or Failed, feed() changes nothing until reset().
  Status feed(const uint8_t* data, size_t size, size_t* used);

  const HttpRequest& request() const { return request_; }
  HttpRequest& request() { return request_; }
  // 400 (malformed), 431 (head or header count over the bound), or 0 for
  // CONNECT (Node, with no 'connect' listener, drops the socket unanswered).
  int errorStatus() const { return errorStatus_; }
  // What Node's HTTP server answers to such a request before closing:
  // "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n" (or 431); empty for 0.
  std::string errorResponse() const;
  // For the next request on a kept-alive connection; frees the head buffer.
  void reset();

 private:
  bool parseHead(std::string_view head);  // fills request_ or errorStatus_

  std::string buffer_;  // the head so far (bounded by kMaxHeadSize)
  HttpRequest request_;
  size_t scanned_ = 0;  // bytes of buffer_ already searched for the blank line
  size_t start_ = 0;    // where the request line starts (after skipped empty lines)
  int errorStatus_ = 0;
  Status status_ = Status::Incomplete;
};

}  // namespace gh
