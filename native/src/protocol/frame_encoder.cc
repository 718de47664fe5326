#include "protocol/frame_encoder.h"

#include "json/json_string.h"
#include "util/bytes.h"

namespace gh {

void appendFrameHeader(std::string& out, uint8_t type, size_t bodySize) {
  putU32BE(out, static_cast<uint32_t>(bodySize + 1));
  putU8(out, type);
}

void appendFrame(std::string& out, uint8_t type, std::string_view body) {
  appendFrameHeader(out, type, body.size());
  out.append(body.data(), body.size());
}

void appendHelloFrame(std::string& out, const uint8_t nonce[kNonceSize], std::string_view helloJson) {
  appendFrameHeader(out, kFrameHello, 2 + kNonceSize + helloJson.size());
  // The oldest version accepted, so a worker of that version finds one it knows;
  // the newest rides in the description ("protocolVersion").
  putU16BE(out, kOldestProtocolVersion);
  out.append(reinterpret_cast<const char*>(nonce), kNonceSize);
  out.append(helloJson.data(), helloJson.size());
}

void appendWelcomeFrame(std::string& out, const uint8_t mac[kMacSize], uint32_t linkId, uint32_t maxFrameSize) {
  std::string json = "{\"linkId\":" + std::to_string(linkId) + ",\"maxFrameSize\":" + std::to_string(maxFrameSize) + "}";
  appendFrameHeader(out, kFrameWelcome, kMacSize + json.size());
  out.append(reinterpret_cast<const char*>(mac), kMacSize);
  out.append(json);
}

void appendRejectFrame(std::string& out, std::string_view reason) { appendFrame(out, kFrameReject, reason); }

void appendPongFrame(std::string& out, std::string_view pingBody) { appendFrame(out, kFramePong, pingBody); }

void appendDrainedFrame(std::string& out) { appendFrameHeader(out, kFrameDrained, 0); }

void appendReplyFrame(std::string& out, uint32_t requestId, bool ok, std::string_view json) {
  appendFrameHeader(out, kFrameReply, 5 + json.size());
  putU32BE(out, requestId);
  putU8(out, ok ? kReplyOk : kReplyError);
  out.append(json.data(), json.size());
}

void appendReplyErrorFrame(std::string& out, uint32_t requestId, std::string_view message) {
  std::string json;
  appendJsonString(json, message);
  appendReplyFrame(out, requestId, false, json);
}

void appendEventFrame(std::string& out, uint32_t seq, uint8_t kind, uint8_t flags,
                      const uint8_t clientId[kClientIdBytes], uint32_t sessionVersion, uint32_t patchAck,
                      std::string_view session, std::string_view info, std::string_view payload) {
  bool withSession = (flags & kEventSession) != 0;
  bool withInfo = (flags & kEventInfo) != 0;
  size_t body = kEventFixedSize + (withSession ? 4 + session.size() : 0) + (withInfo ? 4 + info.size() : 0) +
                payload.size();
  out.reserve(out.size() + kFrameHeaderSize + body);
  appendFrameHeader(out, kFrameEvent, body);
  putU32BE(out, seq);
  putU8(out, kind);
  putU8(out, flags);
  out.append(reinterpret_cast<const char*>(clientId), kClientIdBytes);
  putU32BE(out, sessionVersion);
  putU32BE(out, patchAck);
  if (withSession) {
    putU32BE(out, static_cast<uint32_t>(session.size()));
    out.append(session.data(), session.size());
  }
  if (withInfo) {
    putU32BE(out, static_cast<uint32_t>(info.size()));
    out.append(info.data(), info.size());
  }
  out.append(payload.data(), payload.size());
}

void appendPingFrame(std::string& out, uint64_t stamp) {
  appendFrameHeader(out, kFramePing, 8);
  putU64BE(out, stamp);
}

void appendAuthFrame(std::string& out, const uint8_t nonce[kNonceSize], const uint8_t mac[kMacSize],
                     std::string_view authJson, uint16_t version) {
  appendFrameHeader(out, kFrameAuth, 2 + kNonceSize + kMacSize + authJson.size());
  putU16BE(out, version);
  out.append(reinterpret_cast<const char*>(nonce), kNonceSize);
  out.append(reinterpret_cast<const char*>(mac), kMacSize);
  out.append(authJson.data(), authJson.size());
}

void appendAckFrame(std::string& out, const std::vector<uint32_t>& seqs) {
  appendFrameHeader(out, kFrameAck, 4 + 4 * seqs.size());
  putU32BE(out, static_cast<uint32_t>(seqs.size()));
  for (uint32_t s : seqs) putU32BE(out, s);
}

void appendCreditFrame(std::string& out, uint32_t credits) {
  appendFrameHeader(out, kFrameCredit, 4);
  putU32BE(out, credits);
}

void appendDrainFrame(std::string& out) { appendFrameHeader(out, kFrameDrain, 0); }

void appendQueryFrame(std::string& out, uint32_t requestId, std::string_view json) {
  appendFrameHeader(out, kFrameQuery, 4 + json.size());
  putU32BE(out, requestId);
  out.append(json.data(), json.size());
}

void appendHelloJson(std::string& out, std::string_view gatewayId, int pid, const std::vector<HelloListener>& listeners) {
  out.append("{\"gatewayId\":");
  appendJsonString(out, gatewayId);
  out.append(",\"pid\":");
  out.append(std::to_string(pid));
  out.append(",\"protocolVersion\":");
  out.append(std::to_string(kProtocolVersion));
  out.append(",\"listeners\":[");
  for (size_t i = 0; i < listeners.size(); i++) {
    const HelloListener& l = listeners[i];
    if (i > 0) out.push_back(',');
    out.append("{\"name\":");
    appendJsonString(out, l.name);
    out.append(",\"protocol\":");
    appendJsonString(out, l.protocol);
    out.append(",\"host\":");
    appendJsonString(out, l.host);
    out.append(",\"port\":");
    out.append(std::to_string(l.port));
    out.push_back('}');
  }
  out.append("]}");
}

}  // namespace gh
