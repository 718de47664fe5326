// What the core asks of client sockets; the I/O layer (EngineImpl, in the
// engine folder) implements it. No method may call back into GatewayCore
// synchronously with a socket's end: a socket that goes away is reported later through
// GatewayCore::clientClosed (the core may be iterating its tables). Calling
// GatewayCore::destroyClient from inside send() (slow consumer 'close') is fine.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/client_record.h"

namespace gh {

class ClientIo {
 public:
  virtual ~ClientIo() = default;

  // Writes one encoded message (the bytes are valid during the call only; copy
  // them). Called only for Open records. Applies the slow-consumer policy: a
  // client with output queued whose queue would grow past sendBufferSize is
  // dropped (counters.slowConsumerDrops) or destroyed through
  // GatewayCore::destroyClient(record, "slow consumer") (slowConsumerCloses).
  // On success counts messagesOut and bytesOut (and record.bytesOut). Returns
  // whether the bytes were written.
  virtual bool send(ClientRecord& client, std::string_view bytes) = 0;

  // Graceful close after everything queued: TCP FIN (destroyed if the peer has
  // not closed within closeLingerMs), WebSocket close frame with wsCode (the JS
  // engine's ws.close(code) sends the code alone; `reason` is the close event's
  // reason, given for logs). The core has set state Closing and closeReason already.
  virtual void close(ClientRecord& client, uint16_t wsCode, std::string_view reason) = 0;

  // Closes at once, dropping what is queued. The core has set state Closing and
  // closeReason already.
  virtual void destroy(ClientRecord& client) = 0;

  // Stops (true) or resumes (false) reading from every client, including clients
  // accepted later while paused (unread bytes stay in the kernel).
  virtual void setReadsPaused(bool paused) = 0;

  // Reads from this client again even while reads are paused (a graceful stop
  // closes clients and must see their FIN).
  virtual void resumeClient(ClientRecord& client) = 0;

  // Bytes queued for this client and not yet written (ConnectionRow sendQueueBytes).
  virtual uint64_t queuedBytes(const ClientRecord& client) const = 0;
};

}  // namespace gh
