#include "core/client_address.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>

namespace gh {

bool ClientAddress::set(std::string_view text) {
  family_ = kNone;
  // INET6_ADDRSTRLEN counts the NUL: longer text is no address inet_ntop writes.
  char in[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof in) return false;
  std::memcpy(in, text.data(), text.size());
  in[text.size()] = '\0';
  uint8_t bytes[16];
  int af = AF_INET;
  if (inet_pton(AF_INET, in, bytes) != 1) {
    af = AF_INET6;
    if (inet_pton(AF_INET6, in, bytes) != 1) return false;
  }
  // Canonical only: "1.2.3.04" or "0:0::1" would read back differently.
  char out[INET6_ADDRSTRLEN];
  if (inet_ntop(af, bytes, out, sizeof out) == nullptr || text != out) return false;
  std::memcpy(bytes_, bytes, af == AF_INET ? 4 : 16);
  family_ = af == AF_INET ? kV4 : kV6;
  return true;
}

std::string ClientAddress::text() const {
  if (family_ == kNone) return std::string();
  char out[INET6_ADDRSTRLEN];
  if (inet_ntop(family_ == kV4 ? AF_INET : AF_INET6, bytes_, out, sizeof out) == nullptr) return std::string();
  return std::string(out);
}

}  // namespace gh
