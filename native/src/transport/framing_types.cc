#include "transport/framing_types.h"

namespace gh {

std::string messageTooLargeReason(uint64_t maxMessageSize) {
  return "message too large (limit " + std::to_string(maxMessageSize) + " bytes)";
}

}  // namespace gh
