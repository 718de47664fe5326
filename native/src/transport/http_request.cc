#include "transport/http_request.h"

#include <cstring>

namespace gh {

namespace {

bool isTokenChar(uint8_t c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// What llhttp (Node 20) takes in a header value: HTAB, visible ASCII, space, obs-text.
bool isValueChar(uint8_t c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

// The methods llhttp knows; any other (or a lower-case one) is a 400.
bool isKnownMethod(std::string_view m) {
  static const char* const kMethods[] = {
      "DELETE", "GET", "HEAD", "POST", "PUT", "CONNECT", "OPTIONS", "TRACE", "COPY", "LOCK", "MKCOL", "MOVE",
      "PROPFIND", "PROPPATCH", "SEARCH", "UNLOCK", "BIND", "REBIND", "UNBIND", "ACL", "REPORT", "MKACTIVITY",
      "CHECKOUT", "MERGE", "M-SEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE", "PATCH", "PURGE", "MKCALENDAR",
      "LINK", "UNLINK", "SOURCE", "QUERY"};
  for (const char* known : kMethods) {
    if (m == known) return true;
  }
  return false;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The fields whose repeats Node drops (first one wins); every other field but
// set-cookie is joined.
bool keptOnce(std::string_view lowerName) {
  static const char* const kOnce[] = {"age", "host", "from", "etag", "server", "referer", "expires", "location",
                                      "user-agent", "retry-after", "content-type", "max-forwards", "authorization",
                                      "last-modified", "content-length", "if-modified-since",
                                      "proxy-authorization", "if-unmodified-since"};
  for (const char* name : kOnce) {
    if (lowerName == name) return true;
  }
  return false;
}

std::string_view trimOws(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

}  // namespace

const HttpHeader* HttpRequest::find(std::string_view name) const {
  for (const HttpHeader& h : headers) {
    if (equalsIgnoreCase(h.name, name)) return &h;
  }
  return nullptr;
}

bool HttpRequest::nodeValue(std::string_view lowerName, std::string* out) const {
  bool found = false;
  bool once = keptOnce(lowerName);
  const char* separator = lowerName == "cookie" ? "; " : ", ";
  for (const HttpHeader& h : headers) {
    if (!equalsIgnoreCase(h.name, lowerName)) continue;
    if (!found) {
      *out = h.value;
      found = true;
      if (once) break;
    } else {
      out->append(separator);
      out->append(h.value);
    }
  }
  return found;
}

bool HttpRequest::connectionHas(std::string_view token) const {
  for (const HttpHeader& h : headers) {
    if (!equalsIgnoreCase(h.name, "connection")) continue;
    std::string_view rest = h.value;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view item = trimOws(rest.substr(0, comma));
      if (equalsIgnoreCase(item, token)) return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return false;
}

bool HttpRequest::hasBody() const {
  if (find("transfer-encoding") != nullptr) return true;
  const HttpHeader* length = find("content-length");
  if (length == nullptr) return false;
  for (char c : length->value) {
    if (c != '0') return true;
  }
  return false;
}

bool HttpRequest::keepAlive() const {
  // llhttp_should_keep_alive: HTTP/1.1 unless "close"; any other version only with "keep-alive".
  if (versionMajor == 1 && versionMinor == 1) return !connectionHas("close");
  return connectionHas("keep-alive");
}

HttpRequestParser::Status HttpRequestParser::feed(const uint8_t* data, size_t size, size_t* used) {
  *used = 0;
  if (status_ != Status::Incomplete) return status_;
  size_t prior = buffer_.size();
  size_t room = kMaxHeadSize - prior;
  size_t take = size < room ? size : room;
  buffer_.append(reinterpret_cast<const char*>(data), take);
  for (size_t j = scanned_; j < buffer_.size(); j++) {
    char c = buffer_[j];
    char previous = j > 0 ? buffer_[j - 1] : '\0';
    // llhttp wants CRLF everywhere: a bare LF or a CR not before LF is a 400 at once.
    if ((c == '\n' && previous != '\r') || (previous == '\r' && c != '\n')) {
      errorStatus_ = 400;
      return status_ = Status::Failed;
    }
    if (c != '\n') continue;
    // Empty lines before the request line are skipped, as llhttp does.
    if (j + 1 - start_ == 2) {
      start_ = j + 1;
      continue;
    }
    if (j >= start_ + 3 && buffer_[j - 2] == '\n') {
      size_t end = j + 1;
      scanned_ = end;
      *used = end - prior;
      bool ok = parseHead(std::string_view(buffer_).substr(start_, end - start_));
      // The request keeps its own copies: the head buffer is not needed any more.
      std::string().swap(buffer_);
      return status_ = ok ? Status::Complete : Status::Failed;
    }
  }
  scanned_ = buffer_.size();
  if (buffer_.size() >= kMaxHeadSize) {
    errorStatus_ = 431;
    return status_ = Status::Failed;
  }
  *used = take;
  return status_;
}

bool HttpRequestParser::parseHead(std::string_view head) {
  errorStatus_ = 400;
  size_t lineEnd = head.find("\r\n");
  std::string_view line = head.substr(0, lineEnd);
  // Request line: METHOD SP+ target SP HTTP/1.x
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return false;
  std::string_view method = line.substr(0, sp);
  if (!isKnownMethod(method)) return false;
  size_t targetStart = line.find_first_not_of(' ', sp);
  if (targetStart == std::string_view::npos) return false;
  size_t targetEnd = line.find(' ', targetStart);
  if (targetEnd == std::string_view::npos) return false;
  std::string_view target = line.substr(targetStart, targetEnd - targetStart);
  for (char ch : target) {
    auto c = static_cast<uint8_t>(ch);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  if (method != "CONNECT" && target[0] != '/' && target != "*" && target.find("://") == std::string_view::npos) return false;
  std::string_view version = line.substr(targetEnd + 1);
  // The versions llhttp takes (and Node answers in HTTP/1.1).
  if (version != "HTTP/1.1" && version != "HTTP/1.0" && version != "HTTP/0.9" && version != "HTTP/2.0") return false;
  request_.method.assign(method);
  request_.target.assign(target);
  request_.versionMajor = version[5] - '0';
  request_.versionMinor = version[7] - '0';
  request_.headers.clear();
  // Header lines, up to the empty line that ends the head.
  size_t pos = lineEnd + 2;
  bool contentLength = false, transferEncoding = false;
  while (pos + 2 < head.size()) {
    size_t end = head.find("\r\n", pos);
    std::string_view field = head.substr(pos, end - pos);
    pos = end + 2;
    size_t colon = field.find(':');
    if (colon == 0 || colon == std::string_view::npos) return false;
    std::string_view name = field.substr(0, colon);
    for (char ch : name) {
      if (!isTokenChar(static_cast<uint8_t>(ch))) return false;
    }
    std::string_view value = field.substr(colon + 1);
    for (char ch : value) {
      if (!isValueChar(static_cast<uint8_t>(ch))) return false;
    }
    value = trimOws(value);
    if (equalsIgnoreCase(name, "content-length")) {
      if (contentLength || value.empty() || value.size() > 15) return false;
      for (char ch : value) {
        if (ch < '0' || ch > '9') return false;
      }
      contentLength = true;
    } else if (equalsIgnoreCase(name, "transfer-encoding")) {
      transferEncoding = true;
    }
    if (request_.headers.size() == kMaxHeaders) {
      errorStatus_ = 431;
      return false;
    }
    request_.headers.push_back(HttpHeader{std::string(name), std::string(value)});
  }
  if (contentLength && transferEncoding) return false;
  if (method == "CONNECT") {
    // Node hands CONNECT to 'connect' listeners; with none it just drops the socket.
    errorStatus_ = 0;
    return false;
  }
  errorStatus_ = 0;
  return true;
}

std::string HttpRequestParser::errorResponse() const {
  if (errorStatus_ == 431) return "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n";
  if (errorStatus_ == 400) return "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
  return std::string();
}

void HttpRequestParser::reset() {
  std::string().swap(buffer_);
  request_ = HttpRequest();
  scanned_ = 0;
  start_ = 0;
  errorStatus_ = 0;
  status_ = Status::Incomplete;
}

}  // namespace gh
