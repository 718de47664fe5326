#include "core/connection_table.h"

#include <algorithm>

namespace gh {

namespace {
int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}
}  // namespace

ConnectionTable::ConnectionTable(std::string gatewayId) : gatewayId_(std::move(gatewayId)) {
  gatewayBytesValid_ = gatewayId_.size() == 12;
  for (size_t i = 0; gatewayBytesValid_ && i < 6; i++) {
    int hi = hexDigit(gatewayId_[2 * i]), lo = hexDigit(gatewayId_[2 * i + 1]);
    if (hi < 0 || lo < 0) gatewayBytesValid_ = false;
    else gatewayBytes_[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
}

uint64_t ConnectionTable::numberOf(const uint8_t id[12]) const {
  if (!gatewayBytesValid_) return 0;
  for (size_t i = 0; i < 6; i++)
    if (id[i] != gatewayBytes_[i]) return 0;
  uint64_t n = 0;
  for (size_t i = 6; i < 12; i++) n = n << 8 | id[i];
  return n;
}

ClientRecord* ConnectionTable::getByNumber(uint64_t n) const {
  ClientRecord* c = getForSessionByNumber(n);
  return c != nullptr && online_.has(c) ? c : nullptr;
}

ClientRecord* ConnectionTable::getForSessionByNumber(uint64_t n) const {
  if (n == 0) return nullptr;
  ClientRecord* c = records_.find(n);
  if (c == nullptr) return nullptr;
  // A record created and not yet opened, or discarded, is nobody's client yet.
  return online_.has(c) || c->state == ClientState::Closed ? c : nullptr;
}

ClientRecord* ConnectionTable::create() {
  auto* c = new ClientRecord();
  c->number = ++nextNumber_;
  records_.insert(c);
  return c;
}

void ConnectionTable::add(ClientRecord* c) { online_.add(c); }

ClientRecord* ConnectionTable::get(std::string_view clientId) const {
  ClientRecord* c = getForSession(clientId);
  return c != nullptr && online_.has(c) ? c : nullptr;
}

ClientRecord* ConnectionTable::getForSession(std::string_view clientId) const {
  return getForSessionByNumber(clientNumberOf(gatewayId_, clientId));
}

void ConnectionTable::bindUid(ClientRecord* c, std::string_view uid) {
  if (c->hasUid() && c->uid() == uid) return;
  if (c->hasUid()) byUid_.remove(c->uid(), c);
  ClientExtras& x = c->extrasForWrite();
  x.hasUid = true;
  x.uid.assign(uid.data(), uid.size());
  byUid_.add(uid, c);
}

void ConnectionTable::unbindUid(ClientRecord* c, std::string_view uid) {
  if (!c->hasUid() || c->uid() != uid) return;
  byUid_.remove(uid, c);
  c->extras->hasUid = false;
  std::string().swap(c->extras->uid);
  c->trimExtras();
}

void ConnectionTable::joinGroup(ClientRecord* c, std::string_view group) {
  const std::vector<std::string>& groups = c->groups();
  if (std::find(groups.begin(), groups.end(), group) != groups.end()) return;
  c->extrasForWrite().groups.emplace_back(group);
  byGroup_.add(group, c);
}

void ConnectionTable::leaveGroup(ClientRecord* c, std::string_view group) {
  if (!c->extras) return;
  std::vector<std::string>& groups = c->extras->groups;
  auto it = std::find(groups.begin(), groups.end(), group);
  if (it == groups.end()) return;
  groups.erase(it);
  byGroup_.remove(group, c);
  if (groups.empty()) std::vector<std::string>().swap(groups);
  c->trimExtras();
}

void ConnectionTable::ungroup(std::string_view group) {
  std::string key(group);  // `group` may point into a member's list
  for (ClientRecord* c : byGroup_.take(key)) {
    if (!c->extras) continue;
    std::vector<std::string>& groups = c->extras->groups;
    auto it = std::find(groups.begin(), groups.end(), key);
    if (it != groups.end()) groups.erase(it);
    if (groups.empty()) std::vector<std::string>().swap(groups);
    c->trimExtras();
  }
}

void ConnectionTable::markClosed(ClientRecord* c) {
  online_.remove(c);
  if (c->hasUid()) byUid_.remove(c->uid(), c);
  for (const std::string& g : c->groups()) byGroup_.remove(g, c);
}

void ConnectionTable::forget(ClientRecord* c) {
  online_.remove(c);
  records_.erase(c->number);
}

}  // namespace gh
