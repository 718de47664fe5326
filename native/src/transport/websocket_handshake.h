// The WebSocket opening handshake on the server side, as the JS engine does
// it (Node's http server emitting 'upgrade', then ws's handleUpgrade with
// perMessageDeflate off), and the answers it gives.
#pragma once
#include <string>
#include <string_view>

#include "transport/http_request.h"

namespace gh {

// Whether Node's http server hands this request to its 'upgrade' listener: an
// Upgrade header and "upgrade" in Connection, or the CONNECT method. Any other
// request is a plain HTTP request (static routes).
bool isUpgradeRequest(const HttpRequest& request);

// ws's checks, in its order: method GET (else 405 "Invalid HTTP method"),
// Upgrade "websocket" (case-insensitive; else 400 "Invalid Upgrade header"),
// Sec-WebSocket-Key of 22 base64 characters then "==" (else 400 "Missing or
// invalid Sec-WebSocket-Key header"), Sec-WebSocket-Version 13 or 8 (else 400
// "Missing or invalid Sec-WebSocket-Version header", with
// "Sec-WebSocket-Version: 13, 8"), a well-formed Sec-WebSocket-Protocol (else
// 400 "Invalid Sec-WebSocket-Protocol header"). True: *response is the "101
// Switching Protocols" answer with Sec-WebSocket-Accept (and the first offered
// subprotocol, as ws picks it). False: *response is ws's error answer
// (Connection: close, Content-Type: text/html, Content-Length, the message as
// body); write it and close.
bool answerUpgrade(const HttpRequest& request, std::string* response);

// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
std::string webSocketAccept(std::string_view key);

// The answer to an upgrade while the gateway refuses new clients.
std::string_view serviceUnavailableResponse();

}  // namespace gh
