#include "addon/convert.h"

namespace gh {

Napi::Object addressesToJs(Napi::Env env, const BoundAddresses& addresses) {
  Napi::Array listeners = Napi::Array::New(env, addresses.listeners.size());
  for (size_t i = 0; i < addresses.listeners.size(); i++) {
    const BoundListener& l = addresses.listeners[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", l.name);
    o.Set("protocol", listenerProtocolName(l.protocol));
    o.Set("host", l.host);
    o.Set("port", l.port);
    listeners.Set(static_cast<uint32_t>(i), o);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("listeners", listeners);
  out.Set("linkPath", addresses.linkPath);
  out.Set("linkPort", addresses.linkPort < 0 ? env.Null() : Napi::Number::New(env, addresses.linkPort));
  return out;
}

Napi::Object statsToJs(Napi::Env env, const EngineStatsSnapshot& s) {
  Napi::Object o = Napi::Object::New(env);
  // Counters stay far below 2^53: a double holds them exactly.
  auto set = [&](const char* name, uint64_t v) { o.Set(name, Napi::Number::New(env, static_cast<double>(v))); };
  set("connections", s.connections);
  set("connectionsAccepted", s.connectionsAccepted);
  set("connectionsRefused", s.connectionsRefused);
  set("links", s.links);
  set("messagesIn", s.messagesIn);
  set("messagesOut", s.messagesOut);
  set("bytesIn", s.bytesIn);
  set("bytesOut", s.bytesOut);
  set("writes", s.writes);
  set("tooLarge", s.tooLarge);
  set("invalidJson", s.invalidJson);
  set("framingErrors", s.framingErrors);
  set("slowConsumerDrops", s.slowConsumerDrops);
  set("slowConsumerCloses", s.slowConsumerCloses);
  set("heldForConnect", s.heldForConnect);
  set("heldForConnectDrops", s.heldForConnectDrops);
  set("heartbeatCloses", s.heartbeatCloses);
  set("encodeErrors", s.encodeErrors);
  set("commands", s.commands);
  set("commandsForGoneClients", s.commandsForGoneClients);
  set("queries", s.queries);
  set("eventsSent", s.eventsSent);
  set("eventsAcked", s.eventsAcked);
  set("eventsRedelivered", s.eventsRedelivered);
  set("eventsFailed", s.eventsFailed);
  set("eventsUnacked", s.eventsUnacked);
  set("eventsWaiting", s.eventsWaiting);
  set("readPauses", s.readPauses);
  o.Set("readsPaused", Napi::Boolean::New(env, s.readsPaused));
  set("linkErrors", s.linkErrors);
  set("linkOutputStalls", s.linkOutputStalls);
  Napi::Object listeners = Napi::Object::New(env);
  for (const ListenerStatsRow& row : s.listeners) {
    Napi::Object counters = Napi::Object::New(env);
    for (const auto& [name, value] : row.counters) counters.Set(name, Napi::Number::New(env, static_cast<double>(value)));
    listeners.Set(row.listener, counters);
  }
  o.Set("listeners", listeners);
  return o;
}

namespace {

Napi::Object eventToJs(Napi::Env env, const ControlEvent& e) {
  Napi::Object o = Napi::Object::New(env);
  switch (e.type) {
    case ControlEvent::Type::LinkOpen:
      o.Set("type", "link-open");
      o.Set("linkId", Napi::Number::New(env, e.linkId));
      o.Set("workerId", e.workerId);
      o.Set("pid", Napi::Number::New(env, e.pid));
      o.Set("transport", e.transport);
      break;
    case ControlEvent::Type::LinkClose:
      o.Set("type", "link-close");
      o.Set("linkId", Napi::Number::New(env, e.linkId));
      o.Set("workerId", e.workerId.empty() ? env.Null() : Napi::String::New(env, e.workerId));
      o.Set("reason", e.reason);
      o.Set("redelivered", Napi::Number::New(env, static_cast<double>(e.redelivered)));
      break;
    case ControlEvent::Type::ReadsPaused:
    case ControlEvent::Type::ReadsResumed:
      o.Set("type", e.type == ControlEvent::Type::ReadsPaused ? "reads-paused" : "reads-resumed");
      o.Set("heldEvents", Napi::Number::New(env, static_cast<double>(e.heldEvents)));
      break;
    case ControlEvent::Type::Log:
      o.Set("type", "log");
      o.Set("level", e.level);
      o.Set("message", e.message);
      // Parsed on the JS side: one JSON.parse beats building the object field by field here.
      o.Set("fields", e.fieldsJson.empty() ? std::string("{}") : e.fieldsJson);
      break;
  }
  return o;
}

}  // namespace

Napi::Array eventsToJs(Napi::Env env, const std::vector<ControlEvent>& events) {
  Napi::Array out = Napi::Array::New(env, events.size());
  for (size_t i = 0; i < events.size(); i++) out.Set(static_cast<uint32_t>(i), eventToJs(env, events[i]));
  return out;
}

}  // namespace gh
