#include "protocol/handshake.h"

#include "util/bytes.h"
#include "util/crypto.h"

namespace gh {

namespace {

const uint8_t* u8(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

void proof(std::string_view secret, std::string_view label, const uint8_t first[kNonceSize],
           const uint8_t second[kNonceSize], uint8_t out[kMacSize]) {
  std::string message(label);
  message.append(reinterpret_cast<const char*>(first), kNonceSize);
  message.append(reinterpret_cast<const char*>(second), kNonceSize);
  hmacSha256(secret, message, out);
}

bool fail(std::string* error, std::string text) {
  if (error) *error = std::move(text);
  return false;
}

// Versions kOldestProtocolVersion..kProtocolVersion are spoken here; the
// refusal names the version received and the ones this side speaks.
bool checkVersion(std::string_view body, const char* what, uint16_t* out, std::string* error) {
  if (body.size() < 2) return fail(error, std::string(what) + ": truncated");
  uint16_t version = getU16BE(u8(body));
  if (version < kOldestProtocolVersion || version > kProtocolVersion) {
    return fail(error, std::string(what) + ": protocol version " + std::to_string(version) +
                           " is not supported (this side speaks " + std::to_string(kOldestProtocolVersion) + " and " +
                           std::to_string(kProtocolVersion) + ")");
  }
  *out = version;
  return true;
}

bool description(std::string_view json, const char* what, JsonValue* out, std::string* error) {
  if (!parseJsonBuffer(json, out, nullptr)) return fail(error, std::string(what) + ": description is not valid JSON");
  return true;
}

}  // namespace

void workerProof(std::string_view secret, const uint8_t gatewayNonce[kNonceSize], const uint8_t workerNonce[kNonceSize],
                 uint8_t out[kMacSize]) {
  proof(secret, "gatehouse/worker", gatewayNonce, workerNonce, out);
}

void gatewayProof(std::string_view secret, const uint8_t gatewayNonce[kNonceSize],
                  const uint8_t workerNonce[kNonceSize], uint8_t out[kMacSize]) {
  proof(secret, "gatehouse/gateway", workerNonce, gatewayNonce, out);
}

bool proofMatches(const uint8_t expected[kMacSize], const uint8_t received[kMacSize]) {
  return constantTimeEqual(expected, received, kMacSize);
}

bool parseAuth(std::string_view body, AuthBody* out, std::string* error) {
  uint16_t version = 0;
  if (!checkVersion(body, "auth", &version, error)) return false;
  constexpr size_t fixed = 2 + kNonceSize + kMacSize;
  if (body.size() < fixed) return fail(error, "auth: truncated");
  JsonValue info;
  if (!description(body.substr(fixed), "auth", &info, error)) return false;
  const JsonValue* workerId = info.isObject() ? info.find("workerId") : nullptr;
  const JsonValue* pid = info.isObject() ? info.find("pid") : nullptr;
  if (!workerId || !workerId->isString() || !pid || !pid->isNumber()) {
    return fail(error, "auth: description must be {\"workerId\": string, \"pid\": number}");
  }
  out->nonce = body.substr(2, kNonceSize);
  out->mac = body.substr(2 + kNonceSize, kMacSize);
  out->workerId = workerId->text();
  out->pid = pid->numberValue();
  out->version = version;
  return true;
}

bool parseHello(std::string_view body, std::string_view* nonce, JsonValue* info, std::string* error) {
  uint16_t oldest = 0;
  if (!checkVersion(body, "hello", &oldest, error)) return false;
  if (body.size() < 2 + kNonceSize) return fail(error, "hello: truncated");
  if (!description(body.substr(2 + kNonceSize), "hello", info, error)) return false;
  *nonce = body.substr(2, kNonceSize);
  return true;
}

bool parseWelcome(std::string_view body, std::string_view* mac, JsonValue* info, std::string* error) {
  if (body.size() < kMacSize) return fail(error, "welcome: truncated");
  if (!description(body.substr(kMacSize), "welcome", info, error)) return false;
  *mac = body.substr(0, kMacSize);
  return true;
}

}  // namespace gh
