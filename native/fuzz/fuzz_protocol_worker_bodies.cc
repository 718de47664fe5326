// Query, Auth and Ack bodies from a worker: decoding must never crash, and
// what decodes must agree with the body (commands have their own target,
// fuzz_protocol_binary_command.cc).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "json/json_value.h"
#include "protocol/flow_frames.h"
#include "protocol/handshake.h"
#include "protocol/query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  std::string error;
  uint32_t id;
  std::string op;
  gh::JsonValue args;
  if (gh::decodeQuery(body, &id, &op, &args, &error) && !args.isArray()) std::abort();
  gh::AuthBody auth;
  if (gh::parseAuth(body, &auth, &error) && (auth.nonce.size() != 32 || auth.mac.size() != 32)) std::abort();
  std::vector<uint32_t> seqs;
  if (gh::parseAck(body, &seqs, &error) && 4 + 4 * seqs.size() != size) std::abort();
  return 0;
}
