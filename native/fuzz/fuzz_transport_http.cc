// The HTTP head parser, fed whole and in pieces, must agree with itself; a
// parsed request must survive the upgrade answer, the static routes and
// the websocket-connect payload, which must be JSON that JSON.parse accepts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "transport/raw_handshake.h"
#include "transport/http_request.h"
#include "transport/static_routes.h"
#include "transport/websocket_handshake.h"
#include "json/json_valid.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t step = data[0] % 64 + 1;
  data++;
  size--;
  gh::HttpRequestParser whole, pieces;
  size_t used = 0, usedPieces = 0, offset = 0;
  gh::HttpRequestParser::Status a = whole.feed(data, size, &used);
  gh::HttpRequestParser::Status b = gh::HttpRequestParser::Status::Incomplete;
  while (offset < size && b == gh::HttpRequestParser::Status::Incomplete) {
    size_t len = size - offset < step ? size - offset : step;
    size_t took = 0;
    b = pieces.feed(data + offset, len, &took);
    if (took > len) std::abort();
    usedPieces = offset + took;
    offset += len;
  }
  if (a != b) std::abort();
  if (a == gh::HttpRequestParser::Status::Failed && whole.errorStatus() != pieces.errorStatus()) std::abort();
  if (a != gh::HttpRequestParser::Status::Complete) return 0;
  if (used != usedPieces || used > size) std::abort();
  const gh::HttpRequest& request = whole.request();
  std::string response;
  if (gh::isUpgradeRequest(request)) {
    bool accepted = gh::answerUpgrade(request, &response);
    if (accepted != (response.rfind("HTTP/1.1 101 ", 0) == 0)) std::abort();
  } else {
    gh::StaticRoutes routes;
    std::string error;
    routes.add("/", "text/html", "page", &error);
    gh::StaticResponse answer = routes.respond(request, "Tue, 01 Dec 2026 18:25:11 GMT");
    if (answer.bytes.rfind("HTTP/1.1 ", 0) != 0) std::abort();
  }
  std::string raw = gh::rawHandshakeJson(request, "::ffff:1.2.3.4", 1234);
  std::string error;
  if (!gh::jsonValid(raw, &error)) std::abort();
  return 0;
}
