// The WebSocketConnect event's payload from protocol version 3 on: the
// upgrade request as read, nothing derived (docs/protocol.md "Events"). The
// worker derives path, query, headers and cookies from it in TypeScript
// (src/protocol/websocket-handshake.ts), the same code for both engines.
#pragma once
#include <string>
#include <string_view>

#include "transport/http_request.h"

namespace gh {

// {"url","rawHeaders":[name,value,...],"remoteAddress","remotePort"}: the
// target and header bytes as latin1 (Node's req.url and req.rawHeaders), the
// address through normalizeAddress().
std::string rawHandshakeJson(const HttpRequest& request, std::string_view remoteAddress, int remotePort);

// "::ffff:1.2.3.4" (any case) becomes "1.2.3.4"; anything else is kept.
std::string normalizeAddress(std::string_view address);

}  // namespace gh
