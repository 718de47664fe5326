// What the core reports to JavaScript outside the message path (links opening and
// closing, reads paused, log lines); Engine::takeEvents() hands them over in batches.
#pragma once

#include <cstdint>
#include <string>

namespace gh {

// Control events for JavaScript, taken in batches by takeEvents(); never one per message.
struct ControlEvent {
  enum class Type : uint8_t { LinkOpen, LinkClose, ReadsPaused, ReadsResumed, Log };
  Type type;
  uint32_t linkId = 0;
  std::string workerId;     // LinkOpen, LinkClose ("" when the link closed before its handshake finished)
  int pid = 0;              // LinkOpen: the worker's pid
  std::string transport;    // LinkOpen: "unix" | "tcp"
  std::string reason;       // LinkClose
  uint64_t redelivered = 0; // LinkClose
  uint64_t heldEvents = 0;  // ReadsPaused, ReadsResumed
  // Log: pino level name ("debug" | "info" | "warn" | "error"), message, and a JSON object of fields.
  std::string level, message, fieldsJson;
};

}  // namespace gh
