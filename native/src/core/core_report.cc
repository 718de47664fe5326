// GatewayCore's reporting: stats, the stats query's JSON, connection rows, the
// client info JSON of events.
#include "core/gateway_core.h"
#include "core/json_fields.h"
#include "json/json_string.h"

namespace gh {

EngineStatsSnapshot GatewayCore::stats() const {
  const Counters& c = counters_;
  EngineStatsSnapshot s;
  s.connections = table_.size();
  s.connectionsAccepted = c.connectionsAccepted;
  s.connectionsRefused = c.connectionsRefused;
  s.links = router_.links().size();
  s.messagesIn = c.messagesIn;
  s.messagesOut = c.messagesOut;
  s.bytesIn = c.bytesIn;
  s.bytesOut = c.bytesOut;
  s.writes = c.writes;
  s.tooLarge = c.tooLarge;
  s.invalidJson = c.invalidJson;
  s.framingErrors = c.framingErrors;
  s.slowConsumerDrops = c.slowConsumerDrops;
  s.slowConsumerCloses = c.slowConsumerCloses;
  s.heldForConnect = c.heldForConnect;
  s.heldForConnectDrops = c.heldForConnectDrops;
  s.heartbeatCloses = c.heartbeatCloses;
  s.encodeErrors = c.encodeErrors;
  s.commands = c.commands;
  s.commandsForGoneClients = c.commandsForGoneClients;
  s.queries = c.queries;
  s.eventsSent = c.eventsSent;
  s.eventsAcked = c.eventsAcked;
  s.eventsRedelivered = c.eventsRedelivered;
  s.eventsFailed = c.eventsFailed;
  s.eventsUnacked = router_.unackedTotal();
  s.eventsWaiting = router_.waitingTotal();
  s.readPauses = c.readPauses;
  s.readsPaused = router_.readsPaused();
  s.linkErrors = c.linkErrors;
  s.linkOutputStalls = c.linkOutputStalls;
  s.listeners = listenerCounters_.report();
  return s;
}

std::string GatewayCore::statsJson() const {
  EngineStatsSnapshot s = stats();
  std::string out;
  JsonObjectWriter w(out);
  w.str("gatewayId", options_.gatewayId)
      .unum("connections", s.connections)
      .unum("connectionsAccepted", s.connectionsAccepted)
      .unum("connectionsRefused", s.connectionsRefused)
      .unum("links", s.links)
      .unum("messagesIn", s.messagesIn)
      .unum("messagesOut", s.messagesOut)
      .unum("bytesIn", s.bytesIn)
      .unum("bytesOut", s.bytesOut)
      .unum("writes", s.writes)
      .unum("tooLarge", s.tooLarge)
      .unum("invalidJson", s.invalidJson)
      .unum("framingErrors", s.framingErrors)
      .unum("slowConsumerDrops", s.slowConsumerDrops)
      .unum("slowConsumerCloses", s.slowConsumerCloses)
      .unum("heldForConnect", s.heldForConnect)
      .unum("heldForConnectDrops", s.heldForConnectDrops)
      .unum("heartbeatCloses", s.heartbeatCloses)
      .unum("encodeErrors", s.encodeErrors)
      .unum("commands", s.commands)
      .unum("commandsForGoneClients", s.commandsForGoneClients)
      .unum("queries", s.queries)
      .unum("eventsSent", s.eventsSent)
      .unum("eventsAcked", s.eventsAcked)
      .unum("eventsRedelivered", s.eventsRedelivered)
      .unum("eventsFailed", s.eventsFailed)
      .unum("eventsUnacked", s.eventsUnacked)
      .unum("eventsWaiting", s.eventsWaiting)
      .unum("readPauses", s.readPauses)
      .boolean("readsPaused", s.readsPaused)
      .unum("linkErrors", s.linkErrors)
      .unum("linkOutputStalls", s.linkOutputStalls);
  w.key("listeners");
  JsonObjectWriter byName(out);
  for (const ListenerStatsRow& row : s.listeners) {
    byName.key(row.listener);
    JsonObjectWriter counters(out);
    for (const auto& [name, value] : row.counters) counters.unum(name, value);
    counters.end();
  }
  byName.end();
  w.end();
  return out;
}

std::string GatewayCore::connectionsJson(size_t limit, std::string_view listener) const {
  std::string out = "[";
  size_t rows = 0;
  int64_t t = now();
  for (ClientRecord* c = table_.online().front(); c != nullptr; c = OnlineList::nextOf(c)) {
    if (limit != 0 && rows >= limit) break;
    const CoreListener* l = c->listener < options_.listeners.size() ? &options_.listeners[c->listener] : nullptr;
    std::string_view name = l != nullptr ? std::string_view(l->name) : std::string_view();
    if (!listener.empty() && name != listener) continue;
    if (rows++ > 0) out += ',';
    JsonObjectWriter w(out);
    w.str("clientId", table_.idOf(*c)).str("listener", name);
    w.str("protocol", l != nullptr ? listenerProtocolName(l->protocol) : "text");
    w.str("remoteAddress", c->remoteAddress()).unum("remotePort", c->remotePort);
    if (c->hasUid()) w.str("uid", c->uid());
    else w.null("uid");
    w.key("groups");
    out += '[';
    for (size_t i = 0; i < c->groups().size(); i++) {
      if (i > 0) out += ',';
      appendJsonString(out, c->groups()[i]);
    }
    out += ']';
    w.unum("bytesIn", c->bytesIn).unum("bytesOut", c->bytesOut);
    w.unum("sendQueueBytes", io_ != nullptr ? io_->queuedBytes(*c) : 0);
    w.unum("eventsWaiting", c->queue.size()).unum("eventsUnacked", c->unacked);
    w.unum("slowConsumerDrops", c->slowConsumerDrops);
    w.num("connectedAt", c->connectedAt).num("idleMs", t - c->lastMessageAt);
    w.end();
  }
  out += ']';
  return out;
}

void GatewayCore::appendInfoJson(std::string& out, const ClientRecord& c) const {
  const CoreListener* l = c.listener < options_.listeners.size() ? &options_.listeners[c.listener] : nullptr;
  JsonObjectWriter w(out);
  w.str("remoteAddress", c.remoteAddress()).unum("remotePort", c.remotePort);
  w.str("gatewayId", options_.gatewayId).str("gatewayAddress", c.localAddress()).unum("gatewayPort", c.localPort);
  w.str("listener", l != nullptr ? std::string_view(l->name) : std::string_view());
  w.str("protocol", l != nullptr ? listenerProtocolName(l->protocol) : "text");
  w.end();
}

}  // namespace gh
