// JSON.stringify(readHandshake(req)) of src/gateway/transport/websocket-handshake.ts,
// byte for byte: the websocket-connect event's payload.
// Exact because the app reads it (onWebSocketConnect's query, headers and
// cookies): their key order and decoded values are what its code iterates.
#pragma once
#include <string>
#include <string_view>

#include "transport/http_request.h"

namespace gh {

// {"url","path","query","headers","cookies","remoteAddress","remotePort"}:
// header values (and the target) taken as latin1 like Node; Node's duplicate
// header rules; the query as URLSearchParams parses it (a repeated key an
// array); cookies as parseCookies does; the path percent-decoded or kept as
// sent; object keys in JavaScript property order (array-index keys ascending
// first). remoteAddress goes through normalizeAddress().
std::string handshakeJson(const HttpRequest& request, std::string_view remoteAddress, int remotePort);

// "::ffff:1.2.3.4" (any case) becomes "1.2.3.4"; anything else is kept.
std::string normalizeAddress(std::string_view address);

}  // namespace gh
