// GatewayWorker's heartbeat, as heartbeat.ts: one timer for every client,
// ticking every interval / 4. A client silent for interval × limit is destroyed
// ('heartbeat timeout'); pingData goes, at most once an interval, to a client
// silent for a whole interval. Held off while reads are paused (the silence is
// then the gateway's doing).
#include "engine/engine_impl.h"

namespace gh {

void EngineImpl::heartbeatTick() {
  if (heartbeatTickMs_ == 0) return;
  wheel_.schedule(&heartbeatTimer_, heartbeatTickMs_);
  if (core_.readsPaused()) return;
  int64_t now = core_.now();
  int64_t interval = options_.pingIntervalMs;
  int64_t timeout = options_.pingNotResponseLimit > 0 ? interval * options_.pingNotResponseLimit : 0;
  // Destroying only marks a record Closing: it stays in the list until reportClosed.
  for (ClientRecord* r = core_.table().online().front(); r != nullptr; r = OnlineList::nextOf(r)) {
    if (r->state != ClientState::Open) continue;
    int64_t silent = now - r->lastMessageAt;
    if (timeout > 0 && silent >= timeout) {
      core_.counters().heartbeatCloses++;
      core_.destroyClient(r, "heartbeat timeout");
    } else if (!options_.pingData.empty() && silent >= interval && now - r->lastPingAt >= interval) {
      r->lastPingAt = now;
      const std::string& ping = pingBytes_[r->listener];
      if (!ping.empty()) send(*r, ping);
    }
  }
}

}  // namespace gh
