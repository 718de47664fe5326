// Everything the gateway keeps about one client connection: state only; the
// behaviour lives in the router (events), session.h (sessions), the table
// (directory) and the I/O layer (the socket, reached through `io`).
//
// Memory: an idle record allocates nothing beyond itself — the id is computed
// from the number, the addresses are bytes (client_address.h), the queue is
// intrusive, list membership is intrusive hooks, and what only some clients
// have (a session, a uid, groups, patch acks, a close reason) is in an extras
// block allocated on first use (client_extras.h). State only some clients need
// for a moment (broadcasts held while opening) lives in side tables of the
// core. The record is 232 bytes (a 240-byte malloc chunk) and a test pins that;
// docs/native-engine.md "Memory per connection" lists every field.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/client_address.h"
#include "core/client_extras.h"
#include "core/client_list.h"
#include "core/event_queue.h"

namespace gh {

class WorkerLink;

// Open: reading and writing. Closing: the gateway decided to close it (output is
// shut, nothing more is written) and waits for the socket to go. Closed: the
// socket is gone; the record has left the table and its indexes and lives on only
// until its close event is acknowledged.
enum class ClientState : uint8_t { Open = 0, Closing = 1, Closed = 2 };

// Fields are ordered by size (8-byte ones first) so that nothing pads.
struct ClientRecord {
  ClientRecord() = default;
  ClientRecord(const ClientRecord&) = delete;
  ClientRecord& operator=(const ClientRecord&) = delete;

  uint64_t number = 0;  // connection number, from 1: the id's last 12 hex characters
  // Null while the client has nothing of ClientExtras; see the accessors below.
  std::unique_ptr<ClientExtras> extras;

  // Routing (docs/protocol.md "Client pinning and order").
  WorkerLink* pinned = nullptr;
  // The I/O layer's per-connection state; the core never touches it.
  void* io = nullptr;

  uint64_t bytesIn = 0;
  uint64_t bytesOut = 0;
  int64_t connectedAt = 0;    // ms since the epoch (the core's clock)
  int64_t lastMessageAt = 0;  // drives the heartbeat
  int64_t lastPingAt = 0;

  EventQueue queue;

  // Intrusive list membership (client_list.h).
  ClientHook onlineHook;   // the table's online list (Open and Closing), in connection order
  ClientHook pinnedHook;   // its link's pinned set
  ClientHook waitingHook;  // the one waiting set it is in: unrouted, lane-waiting or its link's

  // Session versions (docs/protocol.md "Sessions"); the text is in extras ("{}" without).
  uint32_t sessionVersion = 1;
  uint32_t knownLinkId = 0;  // the link that can reconstruct the session at knownVersion (0: none)
  uint32_t knownVersion = 0;
  uint32_t unacked = 0;  // events sent and not yet acknowledged (all on `pinned`)
  // Messages the 'drop' slow-consumer policy did not write to this client
  // (ConnectionRow slowConsumerDrops).
  uint32_t slowConsumerDrops = 0;

  uint16_t listener = 0;  // index into CoreOptions::listeners
  uint16_t remotePort = 0;
  uint16_t localPort = 0;
  ClientState state = ClientState::Open;
  // Opening events (Connect, WebSocketConnect) emitted and not yet acknowledged
  // or given up on; while > 0 a sendToAll is held for it (GatewayCore::hold).
  // What is held is in the core's side table.
  uint8_t openingEvents = 0;
  ClientAddress remote;  // normalized (no "::ffff:" prefix); text in extras if not an IP
  ClientAddress local;   // gatewayAddress of the info JSON

  // ---- Reading and writing what may be in extras.
  ClientExtras& extrasForWrite() {
    if (!extras) extras = std::make_unique<ClientExtras>();
    return *extras;
  }
  // Frees extras when everything in it is back at its default (a uid unbound,
  // the last group left): an idle client costs its record only.
  void trimExtras() {
    if (extras && extras->unused()) extras.reset();
  }
  std::string_view session() const { return extras ? std::string_view(extras->session) : std::string_view("{}"); }
  bool hasUid() const { return extras && extras->hasUid; }
  const std::string& uid() const { return extras ? extras->uid : emptyString(); }
  const std::vector<std::string>& groups() const;
  const std::vector<std::pair<uint32_t, uint32_t>>& patchAcks() const;
  const std::string& closeReason() const { return extras ? extras->closeReason : emptyString(); }
  void setRemoteAddress(std::string_view text);
  void setLocalAddress(std::string_view text);
  std::string remoteAddress() const;
  std::string localAddress() const;

 private:
  static const std::string& emptyString();
};

// The 24-hex-character client id: gatewayId (12 lowercase hex) + number (12 hex).
std::string clientIdOf(const std::string& gatewayId, uint64_t number);
void appendClientId(std::string& out, const std::string& gatewayId, uint64_t number);
// The 12 bytes of the id as the Event frame carries them.
void clientIdBytes(const std::string& gatewayId, uint64_t number, uint8_t out[12]);
// The number of a client id of this gateway, or 0 when `id` is not exactly
// gatewayId + 12 lowercase hex characters (it names no client here).
uint64_t clientNumberOf(const std::string& gatewayId, std::string_view id);

// ---- ClientList (client_list.h), defined here where ClientRecord is complete.

template <ClientHook ClientRecord::*Hook>
ClientRecord* ClientList<Hook>::nextOf(const ClientRecord* c) {
  return (c->*Hook).next;
}

template <ClientHook ClientRecord::*Hook>
bool ClientList<Hook>::has(const ClientRecord* c) const {
  return (c->*Hook).owner == this;
}

template <ClientHook ClientRecord::*Hook>
bool ClientList<Hook>::add(ClientRecord* c) {
  ClientHook& h = c->*Hook;
  if (h.owner == this) return false;
  if (h.owner != nullptr) static_cast<ClientList*>(const_cast<void*>(h.owner))->remove(c);
  h.owner = this;
  h.prev = tail_;
  h.next = nullptr;
  if (tail_ != nullptr) (tail_->*Hook).next = c;
  else head_ = c;
  tail_ = c;
  size_++;
  return true;
}

template <ClientHook ClientRecord::*Hook>
bool ClientList<Hook>::remove(ClientRecord* c) {
  ClientHook& h = c->*Hook;
  if (h.owner != this) return false;
  if (h.prev != nullptr) (h.prev->*Hook).next = h.next;
  else head_ = h.next;
  if (h.next != nullptr) (h.next->*Hook).prev = h.prev;
  else tail_ = h.prev;
  h = ClientHook{};
  size_--;
  return true;
}

template <ClientHook ClientRecord::*Hook>
void ClientList<Hook>::clear() {
  ClientRecord* c = head_;
  while (c != nullptr) {
    ClientRecord* next = (c->*Hook).next;
    c->*Hook = ClientHook{};
    c = next;
  }
  head_ = tail_ = nullptr;
  size_ = 0;
}

using OnlineList = ClientList<&ClientRecord::onlineHook>;
using PinnedList = ClientList<&ClientRecord::pinnedHook>;
using WaitingList = ClientList<&ClientRecord::waitingHook>;

}  // namespace gh
