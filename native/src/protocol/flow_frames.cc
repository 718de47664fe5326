#include "protocol/flow_frames.h"

#include "util/bytes.h"

namespace gh {

namespace {

bool fail(std::string* error, std::string text) {
  if (error) *error = std::move(text);
  return false;
}

std::string hexType(uint8_t type) {
  static const char kHex[] = "0123456789abcdef";
  std::string s = "0x";
  s.push_back(kHex[type >> 4]);
  s.push_back(kHex[type & 15]);
  return s;
}

}  // namespace

bool parseAck(std::string_view body, std::vector<uint32_t>* seqs, std::string* error) {
  seqs->clear();
  if (body.size() < 4) return fail(error, "ack: truncated");
  const uint8_t* p = reinterpret_cast<const uint8_t*>(body.data());
  uint32_t n = getU32BE(p);
  if (body.size() != 4 + 4 * static_cast<uint64_t>(n)) {
    return fail(error, "ack: " + std::to_string(body.size()) + " bytes do not hold " + std::to_string(n) +
                           " sequence numbers");
  }
  seqs->reserve(n);
  for (uint32_t i = 0; i < n; i++) seqs->push_back(getU32BE(p + 4 + 4 * static_cast<size_t>(i)));
  return true;
}

bool parseCredit(std::string_view body, uint32_t* credits, std::string* error) {
  if (body.size() != 4) return fail(error, "credit: body must be 4 bytes");
  *credits = getU32BE(reinterpret_cast<const uint8_t*>(body.data()));
  return true;
}

bool checkDrain(std::string_view body, std::string* error) {
  return body.empty() || fail(error, "drain: body must be empty");
}

bool checkPing(std::string_view body, std::string* error) {
  return body.size() == 8 || fail(error, "ping: body must be 8 bytes");
}

std::string frameNotAllowedError(uint8_t type) {
  return "frame type " + hexType(type) + " is not allowed from a worker";
}

std::string frameBeforeHandshakeError(uint8_t type) {
  return "frame type " + hexType(type) + " before the handshake finished (expected Auth)";
}

}  // namespace gh
