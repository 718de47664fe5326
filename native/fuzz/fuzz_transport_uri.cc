// The string decodings behind protocol 2's handshake payload
// (transport/protocol2_handshake.h): whatever the bytes, the results
// are valid UTF-8 where JavaScript would have a well-formed string, and the
// decoders never read out of bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "transport/uri_codec.h"
#include "util/utf8.h"

namespace {
bool valid(const std::string& s) { return gh::utf8Valid(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string latin1 = gh::latin1ToUtf8(bytes);
  if (!valid(latin1)) std::abort();
  if (!valid(gh::utf8Lossy(bytes))) std::abort();
  std::string decoded;
  if (gh::decodeUriComponent(latin1, &decoded) && !valid(decoded)) std::abort();
  for (const auto& [name, value] : gh::parseUrlEncoded(bytes)) {
    if (!valid(name) || !valid(value)) std::abort();
  }
  return 0;
}
