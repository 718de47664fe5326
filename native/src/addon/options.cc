#include "addon/options.h"

#include <cmath>
#include <cstdint>

namespace gh {
namespace {

// One object being read, with the path used in messages ("listeners[1].").
struct Reader {
  Napi::Object obj;
  std::string where;
  std::string* error;

  // The field's value, or an empty Value after a getter threw (reported as an error).
  Napi::Value get(const char* key) {
    Napi::Value v = obj.Get(key);
    if (v.IsEmpty()) {
      Napi::Env env = obj.Env();
      if (env.IsExceptionPending()) env.GetAndClearPendingException();
    }
    return v;
  }

  bool fail(const char* key, const std::string& what) {
    *error = "engine option " + where + key + " must be " + what;
    return false;
  }

  bool str(const char* key, bool required, std::string* out) {
    Napi::Value v = get(key);
    if (v.IsEmpty()) return fail(key, "readable");
    if (v.IsUndefined() && !required) return true;
    if (!v.IsString()) return fail(key, "a string");
    *out = v.As<Napi::String>().Utf8Value();
    return true;
  }

  // A string or a Buffer (file contents may be binary).
  bool bytes(const char* key, std::string* out) {
    Napi::Value v = get(key);
    if (v.IsEmpty()) return fail(key, "readable");
    if (v.IsString()) {
      *out = v.As<Napi::String>().Utf8Value();
      return true;
    }
    if (!v.IsBuffer()) return fail(key, "a Buffer or a string");
    Napi::Buffer<char> b = v.As<Napi::Buffer<char>>();
    out->assign(b.Data(), b.Length());
    return true;
  }

  bool integer(const char* key, double min, double max, bool required, double* out) {
    Napi::Value v = get(key);
    if (v.IsEmpty()) return fail(key, "readable");
    if (v.IsUndefined() && !required) return true;
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
    if (!std::isfinite(d) || std::floor(d) != d || d < min || d > max) {
      return fail(key, "an integer between " + std::to_string(static_cast<int64_t>(min)) + " and " +
                           std::to_string(static_cast<int64_t>(max)));
    }
    *out = d;
    return true;
  }

  template <typename T>
  bool num(const char* key, double min, double max, T* out, bool required = false) {
    double d = static_cast<double>(*out);
    if (!integer(key, min, max, required, &d)) return false;
    *out = static_cast<T>(d);
    return true;
  }

  bool boolean(const char* key, bool* out) {
    Napi::Value v = get(key);
    if (v.IsEmpty()) return fail(key, "readable");
    if (v.IsUndefined()) return true;
    if (!v.IsBoolean()) return fail(key, "true or false");
    *out = v.As<Napi::Boolean>().Value();
    return true;
  }
};

constexpr double kMaxSafe = 9007199254740991.0;  // Number.MAX_SAFE_INTEGER

bool readProtocol(Reader& r, ListenerProtocol* out) {
  std::string p;
  if (!r.str("protocol", true, &p)) return false;
  if (p == "text") *out = ListenerProtocol::Text;
  else if (p == "json") *out = ListenerProtocol::Json;
  else if (p == "frame") *out = ListenerProtocol::Frame;
  else if (p == "websocket") *out = ListenerProtocol::WebSocket;
  else return r.fail("protocol", "'text', 'json', 'frame' or 'websocket' (the JS engine serves 'custom')");
  return true;
}

bool readStaticRoutes(Reader& r, std::vector<StaticRouteSpec>* out) {
  Napi::Value v = r.get("staticRoutes");
  if (v.IsEmpty()) return r.fail("staticRoutes", "readable");
  if (v.IsUndefined()) return true;
  if (!v.IsArray()) return r.fail("staticRoutes", "an array");
  Napi::Array list = v.As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value item = list.Get(i);
    std::string where = r.where + "staticRoutes[" + std::to_string(i) + "]";
    if (item.IsEmpty() || !item.IsObject()) {
      *r.error = "engine option " + where + " must be an object";
      return false;
    }
    Reader route{item.As<Napi::Object>(), where + ".", r.error};
    StaticRouteSpec spec;
    if (!route.str("path", true, &spec.path) || !route.str("contentType", true, &spec.contentType) ||
        !route.bytes("body", &spec.body)) {
      return false;
    }
    if (spec.path.empty() || spec.path[0] != '/') return route.fail("path", "a URL path starting with /");
    out->push_back(std::move(spec));
  }
  return true;
}

// Names only: what each counts is decided where it is bumped.
bool readListenerCounters(Reader& r, std::vector<std::string>* out) {
  Napi::Value v = r.get("listenerCounters");
  if (v.IsEmpty()) return r.fail("listenerCounters", "readable");
  if (v.IsUndefined()) return true;
  if (!v.IsArray()) return r.fail("listenerCounters", "an array of strings");
  Napi::Array list = v.As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value name = list.Get(i);
    if (name.IsEmpty() || !name.IsString()) return r.fail("listenerCounters", "an array of strings");
    out->push_back(name.As<Napi::String>().Utf8Value());
  }
  return true;
}

bool readListener(Napi::Value item, uint32_t i, ListenerSpec* out, std::string* error) {
  std::string where = "listeners[" + std::to_string(i) + "]";
  if (item.IsEmpty() || !item.IsObject()) {
    *error = "engine option " + where + " must be an object";
    return false;
  }
  Reader r{item.As<Napi::Object>(), where + ".", error};
  return r.str("name", true, &out->name) && readProtocol(r, &out->protocol) && r.str("host", true, &out->host) &&
         r.num("port", 0, 65535, &out->port, true) && r.num("maxMessageSize", 1, 4294967295.0, &out->maxMessageSize) &&
         r.num("backlog", 1, 2147483647.0, &out->backlog) &&
         r.num("frameHeaderSize", 2, 4, &out->frameHeaderSize) && r.boolean("frameLittleEndian", &out->frameLittleEndian) &&
         r.boolean("frameLengthIncludesHeader", &out->frameLengthIncludesHeader) &&
         (out->frameHeaderSize != 3 || r.fail("frameHeaderSize", "2 or 4")) && readStaticRoutes(r, &out->staticRoutes);
}

bool isGatewayId(const std::string& id) {
  if (id.size() != 12) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

bool readEngineOptions(Napi::Value value, EngineOptions* out, std::string* error) {
  if (value.IsEmpty() || !value.IsObject() || value.IsArray()) {
    *error = "the engine needs an options object";
    return false;
  }
  Reader r{value.As<Napi::Object>(), "", error};
  if (!r.str("gatewayId", true, &out->gatewayId)) return false;
  if (!isGatewayId(out->gatewayId)) return r.fail("gatewayId", "12 lowercase hex characters");
  bool ok = r.num("pid", 0, 4194304, &out->pid) && r.str("linkPath", true, &out->linkPath) &&
            r.str("linkHost", false, &out->linkHost) && r.num("linkPort", 0, 65535, &out->linkPort) &&
            r.str("secret", false, &out->secret) && r.num("maxUnackedEvents", 1, 4294967295.0, &out->maxUnackedEvents) &&
            r.num("sendBufferSize", 1, kMaxSafe, &out->sendBufferSize) &&
            r.boolean("slowConsumerClose", &out->slowConsumerClose) &&
            r.num("pingIntervalMs", 0, 4294967295.0, &out->pingIntervalMs) &&
            r.num("pingNotResponseLimit", 0, 4294967295.0, &out->pingNotResponseLimit) &&
            r.str("pingData", false, &out->pingData) && r.num("linkOutputLimit", 1, kMaxSafe, &out->linkOutputLimit) &&
            r.num("handshakeTimeoutMs", 1, 4294967295.0, &out->handshakeTimeoutMs) &&
            r.num("maxLinkFrameSize", 16, 4294967295.0, &out->maxLinkFrameSize) &&
            r.num("closeLingerMs", 0, 4294967295.0, &out->closeLingerMs) &&
            r.num("maxReadsPerRun", 1, 1 << 24, &out->maxReadsPerRun) &&
            readListenerCounters(r, &out->listenerCounters);
  if (!ok) return false;
  if (out->linkPath.empty()) return r.fail("linkPath", "a Unix socket path");
  Napi::Value listeners = r.get("listeners");
  if (listeners.IsEmpty() || !listeners.IsArray()) return r.fail("listeners", "an array");
  Napi::Array list = listeners.As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); i++) {
    ListenerSpec spec;
    if (!readListener(list.Get(i), i, &spec, error)) return false;
    out->listeners.push_back(std::move(spec));
  }
  return true;
}

}  // namespace gh
