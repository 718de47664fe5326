#pragma once
// Commands for tests written as the JSON heads the worker's API builds (a
// client id string, {"c"?, "x"?}, [uid], {"g", "x"?}, [clientId, name],
// {"c", "p", "k"}), laid out in the binary layout the link carries, so a
// test reads as the call it makes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "json/json_value.h"
#include "protocol/binary_command.h"
#include "protocol/client_id.h"
#include "protocol/command.h"

namespace gh {
namespace testing {

[[noreturn]] inline void badHead(const std::string& head) {
  std::fprintf(stderr, "commandBody: a head of the wrong shape: %s\n", head.c_str());
  std::abort();
}

inline ClientIdBytes idBytes(const std::string& hex) {
  ClientIdBytes b;
  clientIdToBytes(hex, b.b);  // an id string that is not one names no client: all zero bytes, as the worker's encoder writes it
  return b;
}

// The binary body of such a command. A head of the wrong shape is a bug of
// the test: it aborts.
inline std::string commandBody(uint8_t op, uint8_t flags, const std::string& headJson, const std::string& data) {
  JsonValue head;
  if (!parseJsonBuffer(headJson, &head, nullptr)) badHead(headJson);
  auto ids = [&](const JsonValue* list, std::vector<ClientIdBytes>* out) {
    if (list == nullptr || list->isNull()) return false;
    if (!list->isArray()) badHead(headJson);
    for (const JsonValue& id : list->items()) out->push_back(idBytes(id.text()));
    return true;
  };
  auto strings = [&](const JsonValue* list, std::vector<std::string>* out) {
    if (list == nullptr || !list->isArray()) badHead(headJson);
    for (const JsonValue& s : list->items()) out->push_back(s.text());
  };
  Command cmd;
  cmd.op = op;
  cmd.flags = flags;
  cmd.data = data;
  switch (op) {
    case kOpSendToClient:
    case kOpCloseClient:
    case kOpDestroyClient: cmd.idBytes = idBytes(head.text()); break;
    case kOpSendToAll:
      if (head.isObject()) {
        cmd.hasOnly = ids(head.find("c"), &cmd.onlyIds);
        ids(head.find("x"), &cmd.excludeIds);
      }
      if (cmd.hasOnly) cmd.flags |= kCommandOnly;
      break;
    case kOpSendToUid: strings(&head, &cmd.names); break;
    case kOpSendToGroup:
      if (!head.isObject()) badHead(headJson);
      strings(head.find("g"), &cmd.names);
      ids(head.find("x"), &cmd.excludeIds);
      break;
    case kOpUngroup: cmd.name = head.text(); break;
    case kOpSession: {
      const JsonValue* c = head.isObject() ? head.find("c") : nullptr;
      const JsonValue* p = head.isObject() ? head.find("p") : nullptr;
      const JsonValue* k = head.isObject() ? head.find("k") : nullptr;
      if (c == nullptr || p == nullptr || k == nullptr) badHead(headJson);
      cmd.idBytes = idBytes(c->text());
      cmd.patchId = static_cast<uint32_t>(p->numberValue());
      cmd.patchKind = static_cast<uint8_t>(k->numberValue());
      break;
    }
    default:  // BindUid, UnbindUid, JoinGroup, LeaveGroup: [clientId, name]
      if (!head.isArray() || head.items().size() != 2) badHead(headJson);
      cmd.idBytes = idBytes(head.items()[0].text());
      cmd.name = head.items()[1].text();
  }
  // An empty exclude list is left out, as the worker's encoder does.
  if (!cmd.excludeIds.empty()) cmd.flags |= kCommandExclude;
  std::string out;
  appendBinaryCommand(cmd, out);
  return out;
}

}  // namespace testing
}  // namespace gh
