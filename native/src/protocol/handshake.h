#pragma once
// The link handshake of docs/protocol.md (src/protocol/handshake.ts): Hello
// carries the gateway nonce Ng, Auth the worker nonce Nw and
// HMAC-SHA256(secret, "gatehouse/worker" ‖ Ng ‖ Nw), Welcome
// HMAC-SHA256(secret, "gatehouse/gateway" ‖ Nw ‖ Ng). The secret is "" when
// none is configured (Unix sockets only). Parse errors are the JS texts.
#include <cstdint>
#include <string>
#include <string_view>

#include "json/json_value.h"
#include "protocol/link_protocol.h"

namespace gh {

void workerProof(std::string_view secret, const uint8_t gatewayNonce[kNonceSize], const uint8_t workerNonce[kNonceSize],
                 uint8_t out[kMacSize]);
void gatewayProof(std::string_view secret, const uint8_t gatewayNonce[kNonceSize],
                  const uint8_t workerNonce[kNonceSize], uint8_t out[kMacSize]);
// Constant-time comparison of a received MAC with the expected one.
bool proofMatches(const uint8_t expected[kMacSize], const uint8_t received[kMacSize]);

struct AuthBody {
  std::string_view nonce;  // kNonceSize bytes, a view into the parsed body
  std::string_view mac;    // kMacSize bytes, likewise
  std::string workerId;
  double pid = 0;          // any JSON number, as the JS side takes it
  uint16_t version = 0;    // the version the worker speaks on this link
};
// Auth body: u16 version ‖ nonce[32] ‖ mac[32] ‖ JSON {workerId, pid}.
// The version must be one this gateway accepts (kOldestProtocolVersion to
// kProtocolVersion). Errors: "auth: truncated", "auth: protocol version V is
// not supported (this side speaks 2 and 3)", "auth: description is not valid JSON",
// 'auth: description must be {"workerId": string, "pid": number}'.
bool parseAuth(std::string_view body, AuthBody* out, std::string* error);

// The worker's side, for tests and tools: Hello gives Ng and its description,
// Welcome the gateway's MAC and its description (errors "hello: ...",
// "welcome: truncated", "welcome: description is not valid JSON").
bool parseHello(std::string_view body, std::string_view* nonce, JsonValue* info, std::string* error);
bool parseWelcome(std::string_view body, std::string_view* mac, JsonValue* info, std::string* error);

}  // namespace gh
