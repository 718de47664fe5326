// Everything the gateway keeps about one client connection: state only; the
// behaviour lives in the router (events), session.h (sessions), the table
// (directory) and the I/O layer (the socket, reached through `io`).
//
// Memory: an idle record allocates nothing beyond itself — the id is computed
// from the number, the session "{}" sits in std::string's small buffer, the
// queue is intrusive, groups and patch acks allocate on first use, list
// membership is intrusive hooks. State only some clients need for a moment
// (broadcasts held while opening) lives in side tables of the core, not here:
// the record is 408 bytes (a 416-byte malloc chunk) and a test pins that.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/client_list.h"
#include "core/event_queue.h"

namespace gh {

class WorkerLink;

// Open: reading and writing. Closing: the gateway decided to close it (output is
// shut, nothing more is written) and waits for the socket to go. Closed: the
// socket is gone; the record has left the table and its indexes and lives on only
// until its close event is acknowledged.
enum class ClientState : uint8_t { Open = 0, Closing = 1, Closed = 2 };

struct ClientRecord {
  ClientRecord() = default;
  ClientRecord(const ClientRecord&) = delete;
  ClientRecord& operator=(const ClientRecord&) = delete;

  uint64_t number = 0;  // connection number, from 1: the id's last 12 hex characters
  uint16_t listener = 0;  // index into CoreOptions::listeners
  ClientState state = ClientState::Open;
  // Opening events (Connect, WebSocketConnect) emitted and not yet acknowledged
  // or given up on; while > 0 a sendToAll is held for it (GatewayCore::hold).
  // Here because it fills padding; what is held is in the core's side table.
  uint8_t openingEvents = 0;
  uint16_t remotePort = 0;
  uint16_t localPort = 0;
  // Why it closed, set by whoever closes it first; empty: none yet ("client closed").
  std::string closeReason;
  std::string remoteAddress;  // normalized (no "::ffff:" prefix)
  std::string localAddress;   // gatewayAddress of the info JSON

  // Session (docs/protocol.md "Sessions"): compact JSON text of an object.
  std::string session = "{}";
  uint32_t sessionVersion = 1;
  uint32_t knownLinkId = 0;  // the link that can reconstruct the session at knownVersion (0: none)
  uint32_t knownVersion = 0;
  // Last patchId applied from each link: (linkId, patchId), allocated on the first patch.
  std::vector<std::pair<uint32_t, uint32_t>> patchAcks;

  // Routing (docs/protocol.md "Client pinning and order").
  WorkerLink* pinned = nullptr;
  uint32_t unacked = 0;  // events sent and not yet acknowledged (all on `pinned`)
  // Messages the 'drop' slow-consumer policy did not write to this client
  // (ConnectionRow slowConsumerDrops). Here, not beside bytesOut, because it
  // fills the padding before `queue`: the record does not grow.
  uint32_t slowConsumerDrops = 0;
  EventQueue queue;

  // Directory: one uid per client (GatewayWorker); groups in the order joined.
  bool hasUid = false;
  std::string uid;
  std::vector<std::string> groups;

  uint64_t bytesIn = 0;
  uint64_t bytesOut = 0;
  int64_t connectedAt = 0;    // ms since the epoch (the core's clock)
  int64_t lastMessageAt = 0;  // drives the heartbeat
  int64_t lastPingAt = 0;

  // The I/O layer's per-connection state; the core never touches it.
  void* io = nullptr;

  // Intrusive list membership (client_list.h).
  ClientHook onlineHook;   // the table's online list (Open and Closing), in connection order
  ClientHook pinnedHook;   // its link's pinned set
  ClientHook waitingHook;  // the one waiting set it is in: unrouted, lane-waiting or its link's
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
