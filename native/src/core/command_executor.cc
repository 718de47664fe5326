#include "core/command_executor.h"

#include <algorithm>
#include <unordered_set>
#include <vector>

#include "core/client_session.h"
#include "core/gateway_core.h"
#include "protocol/binary_command.h"
#include "protocol/client_id.h"
#include "protocol/command.h"

namespace gh {

namespace {

class Executor {
 public:
  Executor(GatewayCore& core, WorkerLink& link) : core_(core), link_(link), table_(core.mutableTable()) {}

  void run(const Command& cmd) {
    switch (cmd.op) {
      case kOpSendToClient: {
        ClientRecord* c = client(cmd);
        if (c != nullptr) {
          OutgoingMessage m(cmd.data, cmd.flags);
          core_.deliver(c, m);
        }
        return;
      }
      case kOpSendToAll:
        sendToAll(cmd);
        return;
      case kOpSendToUid: {
        OutgoingMessage m(cmd.data, cmd.flags);
        // One uid per client, so only a uid named twice could reach a client twice.
        std::unordered_set<std::string> seen;
        for (const std::string& uid : cmd.names) {
          if (cmd.names.size() > 1 && !seen.insert(uid).second) continue;
          const OrderedIndex::Entry* e = table_.byUid().find(uid);
          if (e == nullptr) continue;
          std::vector<ClientRecord*> members = e->members.snapshot();
          for (ClientRecord* c : members) core_.deliver(c, m);
        }
        return;
      }
      case kOpSendToGroup:
        sendToGroups(cmd);
        return;
      case kOpCloseClient: {
        ClientRecord* c = client(cmd);
        if (c == nullptr) return;
        if (cmd.flags & kCommandHasData) {
          OutgoingMessage m(cmd.data, cmd.flags);
          core_.deliver(c, m);
        }
        core_.endClient(c, "closed by server");
        return;
      }
      case kOpDestroyClient: {
        ClientRecord* c = client(cmd);
        if (c != nullptr) core_.destroyClient(c, "destroyed by server");
        return;
      }
      case kOpBindUid:
      case kOpUnbindUid:
      case kOpJoinGroup:
      case kOpLeaveGroup: {
        ClientRecord* c = client(cmd);
        if (c == nullptr) return;
        if (cmd.op == kOpBindUid) table_.bindUid(c, cmd.name);
        else if (cmd.op == kOpUnbindUid) table_.unbindUid(c, cmd.name);
        else if (cmd.op == kOpJoinGroup) table_.joinGroup(c, cmd.name);
        else table_.leaveGroup(c, cmd.name);
        return;
      }
      case kOpUngroup:
        table_.ungroup(cmd.name);
        return;
    }
  }

  bool session(const Command& cmd, std::string* error) {
    ClientRecord* c = table_.getForSessionByNumber(table_.numberOf(cmd.idBytes.b));
    if (c == nullptr) {
      core_.counters().commandsForGoneClients++;
      return true;
    }
    std::string why;
    if (!applyPatchFromLink(*c, link_.id(), cmd.patchId, cmd.patchKind, cmd.data, &why)) {
      *error = "session: patch data of client " + clientIdHex(cmd.idBytes.b) + " is invalid: " + why;
      return false;
    }
    return true;
  }

 private:
  // The command's client, named by its bytes (looked up by number, no hex).
  ClientRecord* client(const Command& cmd) {
    ClientRecord* c = table_.getByNumber(table_.numberOf(cmd.idBytes.b));
    if (c == nullptr) core_.counters().commandsForGoneClients++;
    return c;
  }

  // Ids as connection numbers: a broadcast compares numbers, not 24-character strings.
  // Ids that name no client here (other gateways, malformed) are 0 and left out.
  std::vector<uint64_t> numbersOf(const std::vector<ClientIdBytes>& ids) const {
    std::vector<uint64_t> out;
    out.reserve(ids.size());
    for (const ClientIdBytes& id : ids) {
      uint64_t n = table_.numberOf(id.b);
      if (n != 0) out.push_back(n);
    }
    return out;
  }

  std::unordered_set<uint64_t> excludedNumbers(const Command& cmd) const {
    if (cmd.excludeIds.empty()) return {};
    std::vector<uint64_t> n = numbersOf(cmd.excludeIds);
    return std::unordered_set<uint64_t>(n.begin(), n.end());
  }

  void sendToAll(const Command& cmd) {
    OutgoingMessage m(cmd.data, cmd.flags);
    std::unordered_set<uint64_t> excluded = excludedNumbers(cmd);
    if (cmd.hasOnly) {
      // Ids of other gateways are simply not here: sendToAll(c) goes to every gateway.
      std::unordered_set<uint64_t> seen;
      for (uint64_t n : numbersOf(cmd.onlyIds)) {
        if (excluded.count(n) != 0 || !seen.insert(n).second) continue;
        ClientRecord* c = table_.getByNumber(n);
        if (c != nullptr) core_.deliver(c, m);
      }
      return;
    }
    for (ClientRecord* c = table_.online().front(); c != nullptr; c = OnlineList::nextOf(c)) {
      if (!excluded.empty() && excluded.count(c->number) != 0) continue;
      if (c->openingEvents > 0) core_.hold(c, m);
      else core_.deliver(c, m);
    }
  }

  void sendToGroups(const Command& cmd) {
    OutgoingMessage m(cmd.data, cmd.flags);
    std::unordered_set<uint64_t> excluded = excludedNumbers(cmd);
    // A client in two of the groups gets the message once.
    std::unordered_set<ClientRecord*> reached;
    for (const std::string& group : cmd.names) {
      const OrderedIndex::Entry* e = table_.byGroup().find(group);
      if (e == nullptr) continue;
      std::vector<ClientRecord*> members = e->members.snapshot();
      for (ClientRecord* c : members) {
        if (!excluded.empty() && excluded.count(c->number) != 0) continue;
        if (cmd.names.size() > 1 && !reached.insert(c).second) continue;
        core_.deliver(c, m);
      }
    }
  }

  GatewayCore& core_;
  WorkerLink& link_;
  ConnectionTable& table_;
};

}  // namespace

bool executeCommand(GatewayCore& core, WorkerLink& link, std::string_view body, std::string* error) {
  Command cmd;
  // Fixed-size arguments: no JSON on the send path.
  if (!decodeBinaryCommand(body, &cmd, error)) return false;
  core.counters().commands++;
  Executor executor(core, link);
  if (cmd.op == kOpSession) return executor.session(cmd, error);
  executor.run(cmd);
  return true;
}

}  // namespace gh
