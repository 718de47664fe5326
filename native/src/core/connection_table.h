// The gateway's clients and the uid and group indexes. A record is in `online`
// and in the index entries of its uid and groups exactly while its socket is
// open (Open or Closing); once its socket closes it leaves them at once (queries
// never report it, sends never reach it) and stays tracked, for session
// patches, until its close event is acknowledged. The table owns the records.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/client_record.h"
#include "core/ordered_index.h"
#include "core/record_slots.h"

namespace gh {

class ConnectionTable {
 public:
  explicit ConnectionTable(std::string gatewayId);
  ConnectionTable(const ConnectionTable&) = delete;
  ConnectionTable& operator=(const ConnectionTable&) = delete;

  const std::string& gatewayId() const { return gatewayId_; }
  size_t size() const { return online_.size(); }  // the `connections` gauge
  size_t trackedCount() const { return records_.size(); }
  const OnlineList& online() const { return online_; }
  const OrderedIndex& byUid() const { return byUid_; }
  const OrderedIndex& byGroup() const { return byGroup_; }

  // A new record with the next number (not yet online).
  ClientRecord* create();
  void add(ClientRecord* c);  // online
  // An online client by id, or nullptr.
  ClientRecord* get(std::string_view clientId) const;
  // An online client, or a closed one whose close event is not yet acknowledged.
  ClientRecord* getForSession(std::string_view clientId) const;
  std::string idOf(const ClientRecord& c) const { return clientIdOf(gatewayId_, c.number); }
  // The connection number of a client id given as its 12 bytes (as commands
  // carry it), 0 when the id names no client of this gateway.
  uint64_t numberOf(const uint8_t id[12]) const;
  // get / getForSession by connection number (0 finds nothing).
  ClientRecord* getByNumber(uint64_t n) const;
  ClientRecord* getForSessionByNumber(uint64_t n) const;

  void bindUid(ClientRecord* c, std::string_view uid);    // replaces a previous uid
  void unbindUid(ClientRecord* c, std::string_view uid);  // only if it is the client's uid
  void joinGroup(ClientRecord* c, std::string_view group);
  void leaveGroup(ClientRecord* c, std::string_view group);
  void ungroup(std::string_view group);  // every member leaves
  // The socket closed: out of online and every index; still tracked.
  void markClosed(ClientRecord* c);
  // Its close event was acknowledged (or given up on): the record is freed.
  void forget(ClientRecord* c);

 private:
  std::string gatewayId_;
  uint8_t gatewayBytes_[6] = {};  // gatewayId_ as bytes; all zero (no id matches) if it is not 12 hex characters
  bool gatewayBytesValid_ = false;
  uint64_t nextNumber_ = 0;
  RecordSlots records_;  // every tracked record, by number; owns them
  OnlineList online_;
  OrderedIndex byUid_;
  OrderedIndex byGroup_;
};

}  // namespace gh
