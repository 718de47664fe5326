#include "core/connection_table.h"

#include <algorithm>

namespace gh {

ClientRecord* ConnectionTable::create() {
  auto record = std::make_unique<ClientRecord>();
  record->number = ++nextNumber_;
  ClientRecord* c = record.get();
  records_.emplace(c->number, std::move(record));
  return c;
}

void ConnectionTable::add(ClientRecord* c) { online_.add(c); }

ClientRecord* ConnectionTable::get(std::string_view clientId) const {
  ClientRecord* c = getForSession(clientId);
  return c != nullptr && online_.has(c) ? c : nullptr;
}

ClientRecord* ConnectionTable::getForSession(std::string_view clientId) const {
  uint64_t n = clientNumberOf(gatewayId_, clientId);
  if (n == 0) return nullptr;
  auto it = records_.find(n);
  if (it == records_.end()) return nullptr;
  ClientRecord* c = it->second.get();
  // A record created and not yet opened, or discarded, is nobody's client yet.
  return online_.has(c) || c->state == ClientState::Closed ? c : nullptr;
}

void ConnectionTable::bindUid(ClientRecord* c, std::string_view uid) {
  if (c->hasUid && c->uid == uid) return;
  if (c->hasUid) byUid_.remove(c->uid, c);
  c->hasUid = true;
  c->uid.assign(uid.data(), uid.size());
  byUid_.add(uid, c);
}

void ConnectionTable::unbindUid(ClientRecord* c, std::string_view uid) {
  if (!c->hasUid || c->uid != uid) return;
  byUid_.remove(uid, c);
  c->hasUid = false;
  std::string().swap(c->uid);
}

void ConnectionTable::joinGroup(ClientRecord* c, std::string_view group) {
  if (std::find(c->groups.begin(), c->groups.end(), group) != c->groups.end()) return;
  c->groups.emplace_back(group);
  byGroup_.add(group, c);
}

void ConnectionTable::leaveGroup(ClientRecord* c, std::string_view group) {
  auto it = std::find(c->groups.begin(), c->groups.end(), group);
  if (it == c->groups.end()) return;
  c->groups.erase(it);
  byGroup_.remove(group, c);
}

void ConnectionTable::ungroup(std::string_view group) {
  std::string key(group);  // `group` may point into a member's list
  for (ClientRecord* c : byGroup_.take(key)) {
    auto it = std::find(c->groups.begin(), c->groups.end(), key);
    if (it != c->groups.end()) c->groups.erase(it);
  }
}

void ConnectionTable::markClosed(ClientRecord* c) {
  online_.remove(c);
  if (c->hasUid) byUid_.remove(c->uid, c);
  for (const std::string& g : c->groups) byGroup_.remove(g, c);
}

void ConnectionTable::forget(ClientRecord* c) {
  online_.remove(c);
  records_.erase(c->number);
}

}  // namespace gh
