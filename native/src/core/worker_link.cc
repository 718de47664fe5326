#include "core/worker_link.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "core/json_fields.h"
#include "protocol/flow_frames.h"
#include "protocol/frame_encoder.h"
#include "protocol/handshake.h"
#include "util/random.h"
#include "util/utf8.h"

namespace gh {

WorkerLink::WorkerLink(uint32_t id, LinkTransport transport, const LinkConfig& config, LinkHandlers* handlers,
                       int64_t nowMs)
    : id_(id),
      transport_(transport),
      config_(config),
      handlers_(handlers),
      handshakeDeadline_(nowMs + config.handshakeTimeoutMs),
      decoder_(config.maxFrameSize) {
  randomBytes(nonce_, sizeof nonce_);
  appendHelloFrame(out_, nonce_, config.helloJson);
  wrote();
}

WorkerLink::~WorkerLink() {
  for (auto& entry : unacked) delete entry.second;
  pinned.clear();
  waiting.clear();
}

void WorkerLink::addUnacked(PendingEvent* ev) {
  unacked[ev->seq] = ev;
  ev->next = nullptr;
  ev->prev = unackedTail;
  if (unackedTail != nullptr) unackedTail->next = ev;
  else unackedHead = ev;
  unackedTail = ev;
}

void WorkerLink::removeUnacked(PendingEvent* ev) {
  unacked.erase(ev->seq);
  // A storm leaves the map with a bucket array sized for its peak (8 bytes a
  // bucket, up to the window's worth); once nothing is in flight, give it back.
  if (unacked.empty() && unacked.bucket_count() > kUnackedBucketsKept) unacked.rehash(0);
  if (ev->prev != nullptr) ev->prev->next = ev->next;
  else unackedHead = ev->next;
  if (ev->next != nullptr) ev->next->prev = ev->prev;
  else unackedTail = ev->prev;
  ev->next = ev->prev = nullptr;
}

bool WorkerLink::onBytes(const uint8_t* data, size_t size) {
  if (state_ == LinkState::Closed) return false;
  bool ok = decoder_.feed(data, size, [this](uint8_t type, std::string_view body) {
    onFrame(type, body);
    return state_ != LinkState::Closed;
  });
  if (!ok) fail(decoder_.error());
  return state_ != LinkState::Closed;
}

void WorkerLink::tick(int64_t nowMs) {
  if (state_ == LinkState::Handshake && nowMs >= handshakeDeadline_) {
    fail("handshake not finished within " + std::to_string(config_.handshakeTimeoutMs) + " ms");
  }
}

void WorkerLink::outputWritten(size_t n) {
  outHead_ += std::min(n, out_.size() - outHead_);
  if (outHead_ == out_.size()) {
    out_.clear();
    outHead_ = 0;
    // A burst can leave megabytes of capacity behind: give it back once idle.
    if (out_.capacity() > 64 * 1024) std::string().swap(out_);
  } else if (outHead_ >= 64 * 1024 && outHead_ * 2 >= out_.size()) {
    out_.erase(0, outHead_);
    outHead_ = 0;
  }
  if (outputBlocked && state_ == LinkState::Open && outputBytes() == 0) {
    outputBlocked = false;
    handlers_->linkOutputDrained(*this);
  }
}

void WorkerLink::wrote() {
  if (!outputBlocked && outputBytes() > std::max<uint64_t>(config_.outputLimit, kLinkHighWaterMark)) {
    outputBlocked = true;
    handlers_->linkOutputBlocked(*this);
  }
}

void WorkerLink::write(std::string_view frame) {
  if (state_ == LinkState::Closed) return;
  out_.append(frame.data(), frame.size());
  wrote();
}

void WorkerLink::fail(const std::string& reason) {
  if (state_ == LinkState::Closed) return;
  LogFields f;
  f.w().unum("linkId", id_);
  if (state_ == LinkState::Open) f.w().str("workerId", workerId_);
  else f.w().null("workerId");
  f.w().str("transport", transportName()).str("reason", reason);
  handlers_->linkLog("warn", "closing a worker link that broke the link protocol", f.done());
  closeWith(reason, true, true, false);
}

void WorkerLink::close(const std::string& reason) { closeWith(reason, false, false, true); }

void WorkerLink::socketGone(const std::string& reason) { closeWith(reason, false, false, false); }

void WorkerLink::closeWith(const std::string& reason, bool reject, bool protocolError, bool graceful) {
  if (state_ == LinkState::Closed) return;
  bool wasOpen = state_ == LinkState::Open;
  state_ = LinkState::Closed;
  closeReason_ = reason;
  // A graceful close says why too (the gateway is stopping), so the worker can tell it from a crash.
  if (reject || graceful) appendRejectFrame(out_, reason);
  closeMode_ = reject || graceful ? LinkCloseMode::AfterOutput : LinkCloseMode::Now;
  handlers_->linkClosedByProtocol(*this, reason, wasOpen, protocolError);
}

void WorkerLink::onFrame(uint8_t type, std::string_view body) {
  if (state_ == LinkState::Closed) return;
  if (state_ == LinkState::Handshake) {
    onHandshakeFrame(type, body);
    return;
  }
  std::string error;
  switch (type) {
    case kFrameAck: {
      std::vector<uint32_t> seqs;
      if (!parseAck(body, &seqs, &error)) return fail(error);
      handlers_->linkAck(*this, seqs.data(), seqs.size());
      return;
    }
    case kFrameCredit: {
      uint32_t credits = 0;
      if (!parseCredit(body, &credits, &error)) return fail(error);
      handlers_->linkCredit(*this, credits);
      return;
    }
    case kFrameDrain:
      if (!checkDrain(body, &error)) return fail(error);
      handlers_->linkDrain(*this);
      return;
    case kFrameCommand:
      if (!handlers_->linkCommand(*this, body, &error)) fail(error);
      return;
    case kFrameQuery: {
      std::string reply;
      if (!handlers_->linkQuery(*this, body, reply, &error)) return fail(error);
      write(reply);
      return;
    }
    case kFramePing: {
      if (!checkPing(body, &error)) return fail(error);
      std::string pong;
      appendPongFrame(pong, body);
      write(pong);
      return;
    }
    case kFramePong:
      return;
    case kFrameReject: {
      std::string text = utf8Lossy(body);
      LogFields f;
      f.w().unum("linkId", id_).str("workerId", workerId_).str("reason", text);
      handlers_->linkLog("warn", "a worker rejected its link", f.done());
      closeWith("the worker rejected the link: " + text, false, false, false);
      return;
    }
    default:
      fail(frameNotAllowedError(type));
  }
}

void WorkerLink::onHandshakeFrame(uint8_t type, std::string_view body) {
  if (type == kFrameReject) {
    std::string text = utf8Lossy(body);
    LogFields f;
    f.w().unum("linkId", id_).str("reason", text);
    handlers_->linkLog("warn", "a worker rejected the handshake", f.done());
    closeWith("the worker rejected the handshake: " + text, false, false, false);
    return;
  }
  if (type != kFrameAuth) {
    fail(frameBeforeHandshakeError(type));
    return;
  }
  AuthBody auth;
  std::string error;
  if (!parseAuth(body, &auth, &error)) {
    fail(error);
    return;
  }
  const auto* workerNonce = reinterpret_cast<const uint8_t*>(auth.nonce.data());
  uint8_t expected[kMacSize];
  workerProof(config_.secret, nonce_, workerNonce, expected);
  if (!proofMatches(expected, reinterpret_cast<const uint8_t*>(auth.mac.data()))) {
    fail("authentication failed");
    return;
  }
  workerId_ = auth.workerId;
  version_ = auth.version;
  // A pid is an int on every platform; anything else (JS took any number) reports 0.
  workerPid_ = auth.pid >= 0 && auth.pid <= 2147483647.0 ? static_cast<int>(auth.pid) : 0;
  uint8_t mine[kMacSize];
  gatewayProof(config_.secret, nonce_, workerNonce, mine);
  appendWelcomeFrame(out_, mine, id_, config_.maxFrameSize);
  wrote();
  state_ = LinkState::Open;
  handlers_->linkOpened(*this);
}

}  // namespace gh
