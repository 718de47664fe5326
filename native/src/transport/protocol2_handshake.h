// Protocol version 2's WebSocketConnect payload, for version-2 workers during
// a rolling upgrade: JSON.stringify(readHandshake(req)) of that version, byte
// for byte (the app reads its key order and decoded values). From version 3
// on the worker derives the same object in TypeScript from the raw head
// (src/protocol/websocket-handshake.ts); this file goes when
// kOldestProtocolVersion reaches 3.
#pragma once
#include <string>
#include <string_view>

namespace gh {

// The version-2 payload of a version-3 one (raw_handshake.h):
// {"url","path","query","headers","cookies","remoteAddress","remotePort"}:
// header values (and the target) taken as latin1 like Node; Node's duplicate
// header rules; the query as URLSearchParams parses it (a repeated key an
// array); cookies as the worker's parseCookies does; the path percent-decoded
// or kept as sent; object keys in JavaScript property order (array-index keys
// ascending first). False when rawJson is not such a payload.
bool protocol2HandshakeJson(std::string_view rawJson, std::string* out);

}  // namespace gh
