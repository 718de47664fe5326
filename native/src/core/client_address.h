// An IP address kept as its 16 bytes and family instead of its text: 17 bytes
// in the record where a std::string takes 32 (and the heap, for IPv6 text over
// 15 characters). Only text that comes back unchanged from inet_ntop is taken
// (what the engine's sockets give); anything else — an empty string, a host
// name from a test, a non-canonical spelling — is refused, and the record keeps
// that text in its extras so every address reads back exactly as it was given.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gh {

class ClientAddress {
 public:
  // Stores `text`; false (and nothing stored) when it is not canonical IP text.
  bool set(std::string_view text);
  void clear() { family_ = kNone; }
  bool stored() const { return family_ != kNone; }
  // The text it was set from; empty when nothing is stored.
  std::string text() const;

 private:
  enum : uint8_t { kNone = 0, kV4 = 4, kV6 = 6 };
  uint8_t bytes_[16] = {};
  uint8_t family_ = kNone;
};

}  // namespace gh
