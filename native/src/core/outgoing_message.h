// The data of one send command, encoded at most once per listener however many
// clients receive it (a broadcast to 10,000 WebSocket clients frames once). A
// listener whose encoding refuses the data (too long for a 2-byte frame header)
// caches "refused": counted once in encodeErrors and logged, and nobody on that
// listener receives the message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/listener_protocol.h"
#include "transport/framing_types.h"
#include "protocol/link_protocol.h"  // kCommandRaw, kCommandBinary

namespace gh {

// How a listener's clients are written to (from the listener's options).
struct ListenerEncoding {
  ListenerProtocol protocol = ListenerProtocol::Text;
  FrameOptions frame;  // protocol Frame
};

// The bytes `data` becomes on a listener: raw when flags has kCommandRaw, else a
// WebSocket frame (websocket), data + "\n" (text, json), or the length header then
// data (frame). False + *error (the JS RangeError message) when it does not fit.
bool encodeForListener(const ListenerEncoding& listener, std::string_view data, uint8_t flags, std::string* out,
                       std::string* error);

class OutgoingMessage {
 public:
  // `data` must outlive the message (it is a view into the command's frame).
  OutgoingMessage(std::string_view data, uint8_t flags) : data_(data), flags_(flags) {}

  std::string_view data() const { return data_; }
  uint8_t flags() const { return flags_; }

  // The encoded bytes for listener `index`, or nullptr when that listener refused
  // them (then *refusedNow is set true the first time only, so the caller counts
  // and logs once, with *error the reason). The pointer stays valid for the
  // message's lifetime.
  const std::string* bytesFor(size_t index, const ListenerEncoding& listener, bool* refusedNow, std::string* error);

 private:
  struct Slot {
    uint8_t state = 0;  // 0 not yet encoded, 1 encoded, 2 refused
    std::string bytes;
  };
  std::string_view data_;
  uint8_t flags_;
  std::vector<Slot> cache_;  // by listener index, grown on first use
};

}  // namespace gh
