// Command bodies from a worker (binary arguments): decoding must
// never crash or read past the body, a decoded command's data must be the
// body's tail, and decoding is exact — re-encoding what was decoded gives
// the input back byte for byte, so no byte is skipped or read twice.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/binary_command.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  gh::Command c;
  std::string error;
  if (!gh::decodeBinaryCommand(body, &c, &error)) {
    if (error.rfind("command:", 0) != 0 || error.size() > 200) std::abort();
    return 0;
  }
  if (c.data.data() < body.data() || c.data.data() + c.data.size() != body.data() + body.size()) std::abort();
  if (c.op < gh::kOpSendToClient || c.op > gh::kOpSession) std::abort();
  if (c.op == gh::kOpSession && (c.patchKind < 1 || c.patchKind > 3)) std::abort();
  if (c.onlyIds.size() > size / 12 || c.excludeIds.size() > size / 12) std::abort();
  std::string again;
  gh::appendBinaryCommand(c, again);
  if (again != body) std::abort();
  return 0;
}
