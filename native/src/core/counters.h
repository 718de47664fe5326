// The engine's counters, shared by the core (events, commands, queries, links)
// and the I/O layer (bytes, writes, framing, slow consumers, heartbeat): plain
// fields bumped in place on the hot path. Gauges (connections, links, unacked,
// waiting, readsPaused) are not kept here: they are read from the structures
// that hold them when a stats snapshot is taken (GatewayCore::stats()).
#pragma once

#include <cstdint>

namespace gh {

struct Counters {
  uint64_t connectionsAccepted = 0;  // core: clientOpened
  uint64_t connectionsRefused = 0;   // core: admit() said no
  uint64_t messagesIn = 0;           // core: clientMessage
  uint64_t messagesOut = 0;          // I/O: a message written to a client
  uint64_t bytesIn = 0;              // I/O: socket bytes read from clients
  uint64_t bytesOut = 0;             // I/O: bytes of messages written to clients
  uint64_t writes = 0;               // I/O: client socket flushes
  uint64_t tooLarge = 0;             // I/O
  uint64_t invalidJson = 0;          // I/O
  uint64_t framingErrors = 0;        // I/O
  uint64_t slowConsumerDrops = 0;    // I/O
  uint64_t slowConsumerCloses = 0;   // I/O
  uint64_t heldForConnect = 0;       // core: a sendToAll held for an opening client
  uint64_t heldForConnectDrops = 0;  // core: ... dropped, the client's held bytes at the bound
  uint64_t heartbeatCloses = 0;      // I/O
  uint64_t encodeErrors = 0;         // core: OutgoingMessage could not be encoded for a listener
  uint64_t commands = 0;             // core
  uint64_t commandsForGoneClients = 0;
  uint64_t queries = 0;
  uint64_t eventsSent = 0;
  uint64_t eventsAcked = 0;
  uint64_t eventsRedelivered = 0;
  uint64_t eventsFailed = 0;
  uint64_t readPauses = 0;
  uint64_t linkErrors = 0;           // core: a link closed for breaking the protocol
  uint64_t linkOutputStalls = 0;     // core: a link's output went over its bound
};

}  // namespace gh
