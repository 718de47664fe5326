// Command and Query bodies from a worker: decoding must never crash, and a
// decoded command's data must lie inside the body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "json/json_value.h"
#include "protocol/command.h"
#include "protocol/flow_frames.h"
#include "protocol/handshake.h"
#include "protocol/query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  gh::Command c;
  std::string error;
  if (gh::decodeCommand(body, &c, &error)) {
    if (c.data.data() < body.data() || c.data.data() + c.data.size() != body.data() + body.size()) std::abort();
    if (c.op < gh::kOpSendToClient || c.op > gh::kOpSession) std::abort();
    if (c.op == gh::kOpSession && (c.patchKind < 1 || c.patchKind > 3)) std::abort();
  } else if (error.empty() || error.size() > 600) {
    std::abort();  // head errors cut the shown head at 200 UTF-16 units
  }
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
