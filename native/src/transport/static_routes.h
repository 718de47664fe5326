// The plain HTTP side of a websocket listener, as src/transport/static-routes.ts
// answers it: exact path match (no percent-decoding, query and fragment
// ignored), the built-in /healthz, 404 for unknown paths, 405 with
// "Allow: GET, HEAD" for other methods on a known path, Content-Type,
// Content-Length and "Cache-Control: no-cache" on every answer, HEAD without
// the body.
#pragma once
#include <string>
#include <string_view>
#include <unordered_map>

#include "transport/http_request.h"

namespace gh {

struct StaticResponse {
  std::string bytes;       // the whole HTTP/1.1 response
  bool keepAlive = false;  // false: close after writing it
};

class StaticRoutes {
 public:
  StaticRoutes();  // holds /healthz: 200 {"status":"ok"} application/json

  // False (with the JS error message) for a path not starting with '/' or the
  // reserved /healthz. A path added twice keeps the last body.
  bool add(std::string_view path, std::string_view contentType, std::string_view body, std::string* error);

  // The answer to a plain (non-upgrade) request, with Node's headers in Node's
  // order: [Allow,] Content-Type, Content-Length, Cache-Control, [Date: date,
  // when given: an IMF-fixdate such as "Tue, 01 Dec 2026 18:25:11 GMT"], then
  // "Connection: keep-alive" + "Keep-Alive: timeout=5" or "Connection: close".
  // The connection is kept only when the request allows it and has no body (a
  // body is not read: closing is simpler than skipping it). An HTTP/1.1 request
  // without Host gets Node's "400 Bad Request" and the connection is closed.
  StaticResponse respond(const HttpRequest& request, std::string_view date = std::string_view()) const;

 private:
  struct File {
    std::string contentType;
    std::string body;
  };
  std::unordered_map<std::string, File> files_;
};

// contentTypeFor() of static-routes.ts: the type for a file name's extension
// (case-insensitive), application/octet-stream when unknown.
std::string_view contentTypeFor(std::string_view fileName);

}  // namespace gh
