// A snapshot of the engine's counters, filled by GatewayCore::stats() and handed
// out unchanged by Engine::stats() (the addon turns it into EngineStats).
#pragma once

#include <cstdint>
#include <vector>

#include "core/listener_counters.h"

namespace gh {

// Every counter of EngineStats (src/gateway/engine.ts), same names, same meaning.
struct EngineStatsSnapshot {
  uint64_t connections = 0, connectionsAccepted = 0, connectionsRefused = 0, links = 0;
  uint64_t messagesIn = 0, messagesOut = 0, bytesIn = 0, bytesOut = 0, writes = 0;
  uint64_t tooLarge = 0, invalidJson = 0, framingErrors = 0;
  uint64_t slowConsumerDrops = 0, slowConsumerCloses = 0, heartbeatCloses = 0, encodeErrors = 0;
  uint64_t heldForConnect = 0, heldForConnectDrops = 0;
  uint64_t commands = 0, commandsForGoneClients = 0, queries = 0;
  uint64_t eventsSent = 0, eventsAcked = 0, eventsRedelivered = 0, eventsFailed = 0;
  uint64_t eventsUnacked = 0, eventsWaiting = 0, readPauses = 0;
  bool readsPaused = false;
  uint64_t linkErrors = 0, linkOutputStalls = 0;
  std::vector<ListenerStatsRow> listeners;  // EngineStats.listeners: every listener, every counter name given
};

}  // namespace gh
