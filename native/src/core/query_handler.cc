#include "core/query_handler.h"

#include <unordered_set>
#include <vector>

#include "core/gateway_core.h"
#include "core/json_fields.h"
#include "protocol/frame_encoder.h"
#include "protocol/query.h"
#include "json/json_string.h"

namespace gh {

namespace {

// Results reach the app as parsed objects, so their keys follow the JS
// engine's order (what Object.keys shows); error texts are the QueryError messages the app sees.
// `result[key] = value` on a plain JS object with key "__proto__" sets the
// prototype instead of a property, so JSON.stringify leaves it out: so do we.
constexpr std::string_view kProto = "__proto__";


class Answerer {
 public:
  Answerer(GatewayCore& core, const JsonValue& args) : core_(core), t_(core.table()), args_(args.items()) {}

  // Appends the result JSON; false with err_ set for a QueryError; unknown op: known_ false.
  bool run(const std::string& op, std::string& out) {
    if (op == "isOnline") {
      std::string id;
      if (!clientIdArg("isOnline", &id)) return false;
      out += t_.get(id) != nullptr ? "true" : "false";
    } else if (op == "clientIdsByUid") {
      std::vector<std::string> uids;
      if (!stringListArg("clientIdsByUid", "uid", &uids)) return false;
      JsonValue result = JsonValue::makeObject();
      for (const std::string& uid : uids) {
        if (uid == kProto) continue;
        JsonValue ids = JsonValue::makeArray();
        if (const OrderedIndex::Entry* e = t_.byUid().find(uid))
          for (ClientRecord* c : e->members) ids.push(JsonValue::makeString(t_.idOf(*c)));
        result.set(uid, std::move(ids));
      }
      serializeJson(result, out);
    } else if (op == "uidByClientId") {
      std::string id;
      if (!clientIdArg("uidByClientId", &id)) return false;
      ClientRecord* c = t_.get(id);
      if (c != nullptr && c->hasUid()) appendJsonString(out, c->uid());
      else out += "null";
    } else if (op == "clientCount") {
      std::string group;
      bool hasGroup;
      if (!optionalGroupArg("clientCount", &group, &hasGroup)) return false;
      const OrderedIndex::Entry* e = hasGroup ? t_.byGroup().find(group) : nullptr;
      out += std::to_string(!hasGroup ? t_.size() : e != nullptr ? e->members.size() : 0);
    } else if (op == "clientIds" || op == "clientSessions") {
      std::string group;
      bool hasGroup;
      if (!optionalGroupArg(op.c_str(), &group, &hasGroup)) return false;
      bool sessions = op == "clientSessions";
      out += sessions ? '{' : '[';
      bool first = true;
      forMembers(hasGroup, group, [&](const ClientRecord& c) {
        if (!first) out += ',';
        first = false;
        appendJsonString(out, t_.idOf(c));
        if (sessions) {
          out += ':';
          out += c.session();
        }
      });
      out += sessions ? '}' : ']';
    } else if (op == "uids") {
      std::string group;
      bool hasGroup;
      if (!optionalGroupArg("uids", &group, &hasGroup)) return false;
      if (!hasGroup) {
        out += '[';
        bool first = true;
        for (const OrderedIndex::Entry& e : t_.byUid().entries()) {
          if (!first) out += ',';
          first = false;
          appendJsonString(out, e.key);
        }
        out += ']';
      } else {
        const OrderedIndex::Entry* e = t_.byGroup().find(group);
        appendDistinctUids(e, out);
      }
    } else if (op == "groups") {
      out += '[';
      bool first = true;
      for (const OrderedIndex::Entry& e : t_.byGroup().entries()) {
        if (!first) out += ',';
        first = false;
        appendJsonString(out, e.key);
      }
      out += ']';
    } else if (op == "groupUids" || op == "groupClientIds") {
      bool uids = op == "groupUids";
      JsonValue result = JsonValue::makeObject();
      for (const OrderedIndex::Entry& e : t_.byGroup().entries()) {
        if (e.key == kProto) continue;
        JsonValue list = JsonValue::makeArray();
        if (uids) {
          std::unordered_set<std::string> seen;
          for (ClientRecord* c : e.members)
            if (c->hasUid() && seen.insert(c->uid()).second) list.push(JsonValue::makeString(c->uid()));
        } else {
          for (ClientRecord* c : e.members) list.push(JsonValue::makeString(t_.idOf(*c)));
        }
        result.set(e.key, std::move(list));
      }
      serializeJson(result, out);
    } else if (op == "groupClientCounts") {
      std::vector<std::string> groups;
      if (!stringListArg("groupClientCounts", "group", &groups)) return false;
      JsonValue result = JsonValue::makeObject();
      for (const std::string& g : groups) {
        if (g == kProto) continue;
        const OrderedIndex::Entry* e = t_.byGroup().find(g);
        result.set(g, JsonValue::makeNumber(std::to_string(e != nullptr ? e->members.size() : 0)));
      }
      serializeJson(result, out);
    } else if (op == "session") {
      std::string id;
      if (!clientIdArg("session", &id)) return false;
      ClientRecord* c = t_.get(id);
      if (c != nullptr) out += c->session();
      else out += "null";
    } else if (op == "stats") {
      out += core_.statsJson();
    } else {
      known_ = false;
    }
    return true;
  }

  bool known() const { return known_; }
  const std::string& error() const { return err_; }

 private:
  template <typename F>
  void forMembers(bool hasGroup, const std::string& group, F f) {
    if (!hasGroup) {
      for (ClientRecord* c = t_.online().front(); c != nullptr; c = OnlineList::nextOf(c)) f(*c);
      return;
    }
    if (const OrderedIndex::Entry* e = t_.byGroup().find(group))
      for (ClientRecord* c : e->members) f(*c);
  }

  void appendDistinctUids(const OrderedIndex::Entry* e, std::string& out) {
    out += '[';
    bool first = true;
    std::unordered_set<std::string> seen;
    if (e != nullptr) {
      for (ClientRecord* c : e->members) {
        if (!c->hasUid() || !seen.insert(c->uid()).second) continue;
        if (!first) out += ',';
        first = false;
        appendJsonString(out, c->uid());
      }
    }
    out += ']';
  }

  bool clientIdArg(const char* op, std::string* id) {
    if (args_.empty() || !args_[0].isString()) return setError(std::string(op) + ": args must be [clientId]");
    *id = args_[0].text();
    return true;
  }

  bool optionalGroupArg(const char* op, std::string* group, bool* has) {
    *has = false;
    if (args_.empty() || args_[0].isNull()) return true;
    if (!args_[0].isString()) return setError(std::string(op) + ": args must be [] or [group] with group a string");
    *group = args_[0].text();
    *has = true;
    return true;
  }

  bool stringListArg(const char* op, const char* what, std::vector<std::string>* out) {
    bool ok = !args_.empty() && args_[0].isArray();
    if (ok)
      for (const JsonValue& s : args_[0].items()) ok = ok && s.isString();
    if (!ok) return setError(std::string(op) + ": args must be [[" + what + "]] (an array of strings)");
    for (const JsonValue& s : args_[0].items()) out->push_back(s.text());
    return true;
  }

  bool setError(std::string message) {
    err_ = std::move(message);
    return false;
  }

  GatewayCore& core_;
  const ConnectionTable& t_;
  const std::vector<JsonValue>& args_;
  bool known_ = true;
  std::string err_;
};

}  // namespace

bool answerQuery(GatewayCore& core, std::string_view body, std::string& out, std::string* error) {
  uint32_t requestId = 0;
  std::string op;
  JsonValue args;
  if (!decodeQuery(body, &requestId, &op, &args, error)) return false;
  core.counters().queries++;
  Answerer a(core, args);
  std::string result;
  if (!a.run(op, result)) appendReplyErrorFrame(out, requestId, a.error());
  else if (!a.known()) appendReplyErrorFrame(out, requestId, "unknown query op \"" + op + "\"");
  else appendReplyFrame(out, requestId, true, result);
  return true;
}

}  // namespace gh
