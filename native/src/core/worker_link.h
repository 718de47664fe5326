// One worker link, gateway side, without its socket: the handshake of
// docs/protocol.md (Hello, Auth with HMAC, Welcome; Reject), frame decoding, and
// the per-link flow-control state the event router reads and writes (credit,
// unacked events, pinned and waiting clients).
//
// The I/O layer feeds it the socket's bytes (onBytes), writes pendingOutput()
// and reports what the kernel took (outputWritten), drives the handshake
// timeout (tick), and after each call checks closeMode(): once it is not None the
// link is closed (its handlers heard `closed` already); the I/O layer writes what
// is pending when the mode is AfterOutput (a Reject, a graceful close), then
// shuts the socket (destroying it REJECT_LINGER_MS later at the latest) and calls
// GatewayCore::linkSocketClosed. Any broken frame, a frame not allowed in the
// link's state, closes this link with a logged reason (Reject first), never the
// process.
#pragma once

#include <algorithm>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/client_record.h"
#include "protocol/frame_decoder.h"

namespace gh {

enum class LinkState : uint8_t { Handshake, Open, Closed };
enum class LinkTransport : uint8_t { Unix, Tcp };
// None: open. AfterOutput: write pendingOutput() first, then FIN (destroy after
// kRejectLingerMs). Now: destroy the socket at once.
enum class LinkCloseMode : uint8_t { None, AfterOutput, Now };

// After a Reject, a worker that keeps its end open is cut off after this long.
constexpr uint32_t kRejectLingerMs = 1000;
// Node's default writable high-water mark: the output bound is never under it.
constexpr uint64_t kLinkHighWaterMark = 16 * 1024;

// The most connect events in flight on a link: half its window (at least
// one). The other half stays for clients already open, so during a connect
// storm their messages still go at once.
inline uint64_t openingShareOf(uint64_t window) { return std::max<uint64_t>(1, window / 2); }

// While connects wait, the part of a link's window events of open clients
// leave to them: a quarter (at least one), so a pool kept busy by open
// clients still welcomes new ones.
inline uint64_t openingReserveOf(uint64_t window) { return std::max<uint64_t>(1, window / 4); }

class WorkerLink;

// What the core does with what a link receives. Each runs synchronously, in
// frame order. command/query return false + *error for a malformed body, which
// closes the link with *error as the reason.
class LinkHandlers {
 public:
  virtual ~LinkHandlers() = default;
  virtual void linkOpened(WorkerLink& link) = 0;
  virtual void linkAck(WorkerLink& link, const uint32_t* seqs, size_t count) = 0;
  virtual void linkCredit(WorkerLink& link, uint32_t credits) = 0;
  virtual void linkDrain(WorkerLink& link) = 0;
  virtual bool linkCommand(WorkerLink& link, std::string_view body, std::string* error) = 0;
  // Appends a whole Reply frame to `out`.
  virtual bool linkQuery(WorkerLink& link, std::string_view body, std::string& out, std::string* error) = 0;
  virtual void linkOutputBlocked(WorkerLink& link) = 0;
  virtual void linkOutputDrained(WorkerLink& link) = 0;
  // The link is closed. wasOpen: it had finished its handshake (so it may hold events).
  virtual void linkClosedByProtocol(WorkerLink& link, const std::string& reason, bool wasOpen, bool protocolError) = 0;
  // A log record (level "debug" | "info" | "warn" | "error", fields a JSON object).
  virtual void linkLog(const char* level, std::string message, std::string fieldsJson) = 0;
};

struct LinkConfig {
  std::string secret;     // HMAC key ("" without secretKey)
  std::string helloJson;  // {"gatewayId","pid","listeners":[{name,protocol,host,port}]}
  uint32_t maxFrameSize = 16 * 1024 * 1024;
  uint32_t handshakeTimeoutMs = 5000;
  uint64_t outputLimit = 4 * 1024 * 1024;
};

class WorkerLink {
 public:
  // Queues the Hello frame (fresh nonce); the handshake deadline is nowMs + timeout.
  WorkerLink(uint32_t id, LinkTransport transport, const LinkConfig& config, LinkHandlers* handlers, int64_t nowMs);
  ~WorkerLink();
  WorkerLink(const WorkerLink&) = delete;
  WorkerLink& operator=(const WorkerLink&) = delete;

  uint32_t id() const { return id_; }
  LinkTransport transport() const { return transport_; }
  const char* transportName() const { return transport_ == LinkTransport::Unix ? "unix" : "tcp"; }
  LinkState state() const { return state_; }
  const std::string& workerId() const { return workerId_; }
  int workerPid() const { return workerPid_; }
  // The protocol version the worker chose in Auth (0 before the handshake).
  uint16_t protocolVersion() const { return version_; }

  // Socket bytes in. Returns false once the link is closed (the rest is ignored).
  bool onBytes(const uint8_t* data, size_t size);
  // Closes the link when its handshake is not finished by the deadline.
  void tick(int64_t nowMs);

  // Output: what to write next, from the front; n bytes of it were taken by the
  // kernel. A blocked link unblocks (linkOutputDrained) once all of it is written,
  // as Node's 'drain' fires when the socket's buffer empties.
  std::string_view pendingOutput() const { return std::string_view(out_).substr(outHead_); }
  size_t outputBytes() const { return out_.size() - outHead_; }
  void outputWritten(size_t n);
  // Frame appenders write into outputBuffer() and then call wrote(), which
  // checks the output bound (outputBlocked + linkOutputStalls). Ignored once closed.
  std::string& outputBuffer() { return out_; }
  void wrote();
  void write(std::string_view frame);

  LinkCloseMode closeMode() const { return closeMode_; }
  bool closeRequested() const { return closeMode_ != LinkCloseMode::None; }
  const std::string& closeReason() const { return closeReason_; }

  // Closes for a protocol violation: logged (warn), Reject sent first.
  void fail(const std::string& reason);
  // Closes without blame (gateway stopping): output flushed, then FIN.
  void close(const std::string& reason);
  // The socket is gone (the worker closed it, or an error): closed now, no Reject.
  void socketGone(const std::string& reason);

  // ---- router state (event_router.cc reads and writes these)
  bool canSend() const { return state_ == LinkState::Open && credit > 0 && !outputBlocked; }
  // A connect event may go now: credit, and less than half the window spent on connects.
  bool canSendOpening() const { return canSend() && openingInFlight < openingShareOf(window); }
  // Another event of an open client may go now: credit, and while connects
  // wait, a quarter of the window left to them.
  bool canSendOpen() const {
    if (!canSend()) return false;
    if (waitingOpening.empty()) return true;
    uint64_t openInFlight = window - credit - openingInFlight;
    return openInFlight < window - openingReserveOf(window);
  }
  uint64_t credit = 0;
  uint64_t window = 0;           // all the credit the worker granted: its window of events in flight
  uint64_t openingInFlight = 0;  // connect events sent and not yet acknowledged (at most openingShareOf(window))
  bool credited = false;      // credit was granted at least once: only then are new clients pinned here
  bool draining = false;      // the worker asked for no new clients (reload)
  bool drainedSent = false;   // Drained was sent: the link is empty and gets no client any more
  bool outputBlocked = false; // more than the output bound is unsent
  // Events sent and not yet acknowledged, by seq, and in send order (prev/next of PendingEvent).
  std::unordered_map<uint32_t, PendingEvent*> unacked;
  PendingEvent* unackedHead = nullptr;
  PendingEvent* unackedTail = nullptr;
  PinnedList pinned;    // clients pinned to this link
  WaitingList waiting;  // pinned clients with events waiting for credit (or for the output to drain)
  // Pinned clients whose next event is a connect, waiting for credit or for
  // the opening share: served after `waiting`, so a connect storm never keeps
  // an open client's message behind it.
  WaitingList waitingOpening;

  // Buckets the unacked map keeps when it empties; more are released then.
  static constexpr size_t kUnackedBucketsKept = 1024;

  void addUnacked(PendingEvent* ev);
  // Takes ev out of the unacked map and list (it is not freed).
  void removeUnacked(PendingEvent* ev);

 private:
  void onFrame(uint8_t type, std::string_view body);
  void onHandshakeFrame(uint8_t type, std::string_view body);
  void closeWith(const std::string& reason, bool reject, bool protocolError, bool graceful);
  void log(const char* level, std::string message, const std::string& reason);

  uint32_t id_;
  LinkTransport transport_;
  const LinkConfig& config_;
  LinkHandlers* handlers_;
  LinkState state_ = LinkState::Handshake;
  LinkCloseMode closeMode_ = LinkCloseMode::None;
  std::string closeReason_;
  std::string workerId_;
  int workerPid_ = 0;
  uint16_t version_ = 0;
  int64_t handshakeDeadline_;
  uint8_t nonce_[32];
  LinkFrameDecoder decoder_;
  std::string out_;
  size_t outHead_ = 0;
};

}  // namespace gh
