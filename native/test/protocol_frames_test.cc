// Link frames: decoder, encoders (byte-equal to src/protocol's encoders where
// the bytes are the wire format; Hello's JSON description compared as a value),
// handshake proofs and parsers, Ack/Credit/Drain/Ping checks, client ids.
#include <string>
#include <vector>

#include "harness.h"
#include "protocol/client_id.h"
#include "protocol/flow_frames.h"
#include "protocol/frame_decoder.h"
#include "protocol/frame_encoder.h"
#include "protocol/handshake.h"
#include "json/json_value.h"
#include "util/bytes.h"

using gh_test::hex;
using gh_test::unhex;

namespace {
// From node v20 with dist/src/protocol (encodeFrame/encodeHello/encodeWelcome/
// encodeReplyFrame/encodeEventFrame, workerProof/gatewayProof with
// Ng = 00 01 .. 1f, Nw = ff fe .. e0).
const char k_workerProof[] = "c41f4a09dc596fbc3f0394870a902c28060bfa7a3b376dd6d9e1f0638f38c281";
const char k_gatewayProof[] = "2c0f8a268f7ab4b85e9dbd8562cfe71bf392020980ba74d5e534d4a586945a67";
const char k_workerProofEmpty[] = "3d07548fe46d7e8a5572d7d20bc3dc3bb0fbb025f6b73ff26e8fe2b247732a1a";
const char k_hello[] = "000000e3010002000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f7b22676174657761794964223a22616263646566303132333435222c22706964223a34322c2270726f746f636f6c56657273696f6e223a332c226c697374656e657273223a5b7b226e616d65223a227773222c2270726f746f636f6c223a22776562736f636b6574222c22686f7374223a22302e302e302e30222c22706f7274223a383038307d2c7b226e616d65223a22745c2278222c2270726f746f636f6c223a2274657874222c22686f7374223a223a3a222c22706f7274223a307d5d7d";
const char k_welcome[] = "0000004503fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e07b226c696e6b4964223a372c226d61784672616d6553697a65223a31363737373231367d";
const char k_reply[] = "0000000f2200000009007b2261223a5b315d7d";
const char k_replyErr[] = "0000001e22ffffffff0122756e6b6e6f776e207175657279206f70205c22785c2222";
const char k_event1[] = "00000034100000000503270123456789abcdef012345670000000200000001000000077b2261223a317d000000077b2269223a327d5b315d";
const char k_event2[] = "0000001b10fffffffe0100ffffffffffff0000000000010000000100000000";
const char k_event3[] = "0000002410000000010402ffffffffffff0000000000010000000100000000000000027b7d627965";


// The same JSON value: objects compared by key (any order), the rest as written.
// For descriptions only a parser reads (the worker's JSON.parse), where order is not behaviour.
bool sameJson(const gh::JsonValue& a, const gh::JsonValue& b) {
  if (a.type() != b.type()) return false;
  if (a.isNumber()) return a.numberValue() == b.numberValue();
  if (a.isBool()) return a.boolValue() == b.boolValue();
  if (a.isArray()) {
    if (a.items().size() != b.items().size()) return false;
    for (size_t i = 0; i < a.items().size(); i++)
      if (!sameJson(a.items()[i], b.items()[i])) return false;
    return true;
  }
  if (a.isObject()) {
    if (a.members().size() != b.members().size()) return false;
    for (const auto& [key, value] : a.members()) {
      const gh::JsonValue* other = b.find(key);
      if (other == nullptr || !sameJson(value, *other)) return false;
    }
    return true;
  }
  return a.text() == b.text();
}

// A Hello frame: the header, version and nonce byte for byte (the wire format),
// the description as a JSON value.
bool sameHello(const std::string& a, const std::string& b) {
  const size_t head = 5 + 2 + 32;
  if (a.size() < head || b.size() < head) return false;
  if (a.substr(4, head - 4) != b.substr(4, head - 4)) return false;  // type, version, nonce
  if (gh::getU32BE(gh::bytesOf(a)) != a.size() - 4 || gh::getU32BE(gh::bytesOf(b)) != b.size() - 4) return false;
  gh::JsonValue va, vb;
  std::string error;
  return gh::parseJson(a.substr(head), &va, &error) && gh::parseJson(b.substr(head), &vb, &error) && sameJson(va, vb);
}

void nonces(uint8_t ng[32], uint8_t nw[32]) {
  for (int i = 0; i < 32; i++) {
    ng[i] = static_cast<uint8_t>(i);
    nw[i] = static_cast<uint8_t>(255 - i);
  }
}

struct Frame {
  uint8_t type;
  std::string body;
};

// Feeds `stream` in pieces of `step` bytes; returns the frames and the verdict.
bool decodeAll(gh::LinkFrameDecoder& d, const std::string& stream, size_t step, std::vector<Frame>* frames) {
  for (size_t i = 0; i < stream.size(); i += step) {
    size_t n = stream.size() - i < step ? stream.size() - i : step;
    bool ok = d.feed(gh::bytesOf(stream) + i, n, [&](uint8_t type, std::string_view body) {
      frames->push_back(Frame{type, std::string(body)});
      return true;
    });
    if (!ok) return false;
  }
  return true;
}
}  // namespace

TEST(encoders_match_js_bytes) {
  uint8_t ng[32], nw[32];
  nonces(ng, nw);
  std::string out, json;
  gh::appendHelloJson(json, "abcdef012345", 42,
                      {{"ws", "websocket", "0.0.0.0", 8080}, {"t\"x", "text", "::", 0}});
  gh::appendHelloFrame(out, ng, json);
  CHECK(sameHello(out, unhex(k_hello)));
  std::string otherPort, otherJson;  // a real difference still fails
  gh::appendHelloJson(otherJson, "abcdef012345", 42, {{"ws", "websocket", "0.0.0.0", 8081}, {"t\"x", "text", "::", 0}});
  gh::appendHelloFrame(otherPort, ng, otherJson);
  CHECK(!sameHello(otherPort, unhex(k_hello)));
  out.clear();
  gh::appendWelcomeFrame(out, nw, 7, 16777216);
  CHECK_EQ(hex(out), k_welcome);
  out.clear();
  gh::appendReplyFrame(out, 9, true, "{\"a\":[1]}");
  CHECK_EQ(hex(out), k_reply);
  out.clear();
  gh::appendReplyErrorFrame(out, 0xffffffff, "unknown query op \"x\"");
  CHECK_EQ(hex(out), k_replyErr);
}

TEST(event_frames_match_js_bytes) {
  uint8_t id[12];
  CHECK(gh::clientIdToBytes("0123456789abcdef01234567", id));
  std::string out;
  uint8_t flags = gh::kEventSession | gh::kEventInfo | gh::kEventRedelivery | (2 << gh::kPayloadKindShift);
  gh::appendEventFrame(out, 5, gh::kEventMessage, flags, id, 2, 1, "{\"a\":1}", "{\"i\":2}", "[1]");
  CHECK_EQ(hex(out), k_event1);
  CHECK(gh::clientIdToBytes("ffffffffffff000000000001", id));
  out.clear();
  gh::appendEventFrame(out, 0xfffffffe, gh::kEventConnect, 0, id, 1, 0, "ignored", "ignored", "");
  CHECK_EQ(hex(out), k_event2);
  out.clear();
  gh::appendEventFrame(out, 1, gh::kEventClose, gh::kEventInfo, id, 1, 0, "ignored", "{}", "bye");
  CHECK_EQ(hex(out), k_event3);
}

TEST(small_frames) {
  std::string out;
  gh::appendRejectFrame(out, "authentication failed");
  CHECK_EQ(hex(out.substr(0, 5)), "0000001604");
  CHECK_EQ(out.substr(5), "authentication failed");
  out.clear();
  gh::appendPongFrame(out, std::string("\1\2\3\4\5\6\7\x08", 8));
  CHECK_EQ(hex(out), "00000009060102030405060708");
  out.clear();
  gh::appendDrainedFrame(out);
  CHECK_EQ(hex(out), "0000000114");
  out.clear();
  gh::appendPingFrame(out, 0x0102030405060708ULL);
  CHECK_EQ(hex(out), "00000009050102030405060708");
  out.clear();
  gh::appendAckFrame(out, {1, 0xffffffff});
  CHECK_EQ(hex(out), "0000000d11000000020000000" "1ffffffff");
  out.clear();
  gh::appendCreditFrame(out, 8192);
  CHECK_EQ(hex(out), "000000051200002000");
  out.clear();
  gh::appendDrainFrame(out);
  CHECK_EQ(hex(out), "0000000113");
  out.clear();
  gh::appendQueryFrame(out, 3, "{}");
  CHECK_EQ(hex(out), "000000072100000003" "7b7d");
}

TEST(decoder_whole_and_split_frames) {
  std::string stream;
  gh::appendRejectFrame(stream, "bye");
  gh::appendDrainedFrame(stream);
  std::string big(70000, 'x');
  gh::appendFrame(stream, gh::kFrameEvent, big);
  gh::appendCreditFrame(stream, 5);
  for (size_t step : {size_t{1}, size_t{3}, size_t{4}, size_t{5}, size_t{7}, size_t{4096}, stream.size()}) {
    gh::LinkFrameDecoder d(1 << 20);
    std::vector<Frame> frames;
    CHECK(decodeAll(d, stream, step, &frames));
    CHECK_EQ(frames.size(), size_t{4});
    if (frames.size() != 4) continue;
    CHECK_EQ(frames[0].type, gh::kFrameReject);
    CHECK_EQ(frames[0].body, "bye");
    CHECK_EQ(frames[1].type, gh::kFrameDrained);
    CHECK_EQ(frames[1].body, "");
    CHECK_EQ(frames[2].body.size(), big.size());
    CHECK(frames[2].body == big);
    CHECK_EQ(frames[3].type, gh::kFrameCredit);
    CHECK_EQ(d.buffered(), size_t{0});
  }
}

TEST(decoder_buffers_partial_frame) {
  gh::LinkFrameDecoder d(100);
  std::string part = unhex("00000004" "10" "ab");
  int calls = 0;
  CHECK(d.feed(gh::bytesOf(part), part.size(), [&](uint8_t, std::string_view) { return ++calls, true; }));
  CHECK_EQ(calls, 0);
  CHECK_EQ(d.buffered(), size_t{6});
  std::string rest = unhex("cdef");
  CHECK(d.feed(gh::bytesOf(rest), rest.size(), [&](uint8_t type, std::string_view body) {
    calls++;
    CHECK_EQ(type, 0x10);
    CHECK_EQ(hex(body), "abcdef");
    return true;
  }));
  CHECK_EQ(calls, 1);
  CHECK_EQ(d.buffered(), size_t{0});
  CHECK(d.feed(nullptr, 0, [&](uint8_t, std::string_view) { return true; }));
}

TEST(decoder_errors_as_js) {
  // From node: FrameDecoder(16).push(00000000 01) and (00000011 00).
  {
    gh::LinkFrameDecoder d(16);
    std::string s;
    gh::appendCreditFrame(s, 1);  // delivered before the bad one
    s += unhex("0000000001");
    int calls = 0;
    CHECK(!d.feed(gh::bytesOf(s), s.size(), [&](uint8_t, std::string_view) { return ++calls, true; }));
    CHECK_EQ(calls, 1);
    CHECK(d.failed());
    CHECK_EQ(d.error(), "frame with length 0 (no type byte)");
    CHECK(!d.feed(gh::bytesOf(s), s.size(), [&](uint8_t, std::string_view) { return ++calls, true; }));
    CHECK_EQ(calls, 1);
  }
  {
    gh::LinkFrameDecoder d(16);
    std::string s = unhex("0000001100");
    CHECK(!d.feed(gh::bytesOf(s), s.size(), [&](uint8_t, std::string_view) { return true; }));
    CHECK_EQ(d.error(), "frame of 17 bytes exceeds the limit of 16");
  }
  {
    // The length is judged as soon as its 4 bytes are in, split or not.
    gh::LinkFrameDecoder d(16);
    std::string a = unhex("0000"), b = unhex("0011");
    CHECK(d.feed(gh::bytesOf(a), a.size(), [&](uint8_t, std::string_view) { return true; }));
    CHECK(!d.feed(gh::bytesOf(b), b.size(), [&](uint8_t, std::string_view) { return true; }));
    CHECK_EQ(d.error(), "frame of 17 bytes exceeds the limit of 16");
    CHECK_EQ(d.buffered(), size_t{0});
  }
  {
    gh::LinkFrameDecoder d(16);
    std::string s = unhex("ffffffff");
    CHECK(!d.feed(gh::bytesOf(s), s.size(), [&](uint8_t, std::string_view) { return true; }));
    CHECK_EQ(d.error(), "frame of 4294967295 bytes exceeds the limit of 16");
  }
  {
    gh::LinkFrameDecoder d(16);
    std::string s = unhex("0000001100");  // exactly at the limit is fine: 16 = 1 + 15
    s = unhex("00000010") + std::string(16, 'y');
    int calls = 0;
    CHECK(d.feed(gh::bytesOf(s), s.size(), [&](uint8_t, std::string_view b) { return calls++, b.size() == 15; }));
    CHECK_EQ(calls, 1);
  }
}

TEST(decoder_sink_stop) {
  gh::LinkFrameDecoder d(100);
  std::string s;
  gh::appendDrainedFrame(s);
  gh::appendDrainedFrame(s);
  int calls = 0;
  CHECK(d.feed(gh::bytesOf(s), s.size(), [&](uint8_t, std::string_view) { return ++calls, false; }));
  CHECK_EQ(calls, 1);
  CHECK(d.stopped());
  CHECK(d.feed(gh::bytesOf(s), s.size(), [&](uint8_t, std::string_view) { return ++calls, true; }));
  CHECK_EQ(calls, 1);
}

TEST(handshake_proofs_match_js) {
  uint8_t ng[32], nw[32], mac[32];
  nonces(ng, nw);
  gh::workerProof("s3cret", ng, nw, mac);
  CHECK_EQ(hex(std::string_view(reinterpret_cast<char*>(mac), 32)), k_workerProof);
  gh::gatewayProof("s3cret", ng, nw, mac);
  CHECK_EQ(hex(std::string_view(reinterpret_cast<char*>(mac), 32)), k_gatewayProof);
  gh::workerProof("", ng, nw, mac);
  CHECK_EQ(hex(std::string_view(reinterpret_cast<char*>(mac), 32)), k_workerProofEmpty);
  uint8_t other[32];
  gh::workerProof("", ng, nw, other);
  CHECK(gh::proofMatches(mac, other));
  other[5] ^= 1;
  CHECK(!gh::proofMatches(mac, other));
}

TEST(parse_auth) {
  uint8_t ng[32], nw[32], mac[32];
  nonces(ng, nw);
  gh::workerProof("k", ng, nw, mac);
  std::string frame;
  gh::appendAuthFrame(frame, nw, mac, "{\"workerId\":\"w-1\",\"pid\":1234}");
  std::string_view body = std::string_view(frame).substr(5);
  gh::AuthBody auth;
  std::string error;
  CHECK(gh::parseAuth(body, &auth, &error));
  CHECK_EQ(auth.workerId, "w-1");
  CHECK_EQ(auth.pid, 1234.0);
  CHECK(auth.nonce == std::string_view(reinterpret_cast<char*>(nw), 32));
  CHECK(auth.mac == std::string_view(reinterpret_cast<char*>(mac), 32));

  auto err = [&](std::string_view b) {
    std::string e;
    gh::AuthBody a;
    return gh::parseAuth(b, &a, &e) ? std::string("ok") : e;
  };
  CHECK_EQ(err(unhex("00")), "auth: truncated");
  CHECK_EQ(err(unhex("0000")), "auth: protocol version 0 is not supported (this side speaks 2 and 3)");
  CHECK_EQ(err(unhex("0001")), "auth: protocol version 1 is not supported (this side speaks 2 and 3)");
  CHECK_EQ(err(unhex("0004")), "auth: protocol version 4 is not supported (this side speaks 2 and 3)");
  CHECK_EQ(err(unhex("0002") + std::string(63, 'a')), "auth: truncated");
  CHECK_EQ(err(unhex("0002") + std::string(64, 'a')), "auth: description is not valid JSON");
  CHECK_EQ(err(unhex("0002") + std::string(64, 'a') + "{\"workerId\":1,\"pid\":1}"),
           "auth: description must be {\"workerId\": string, \"pid\": number}");
  CHECK_EQ(err(unhex("0002") + std::string(64, 'a') + "[]"),
           "auth: description must be {\"workerId\": string, \"pid\": number}");
  CHECK_EQ(err(unhex("0002") + std::string(64, 'a') + "{\"workerId\":\"w\",\"pid\":\"1\"}"),
           "auth: description must be {\"workerId\": string, \"pid\": number}");
  CHECK_EQ(err(unhex("0002") + std::string(64, 'a') + "{\"workerId\":\"w\",\"pid\":1.5,\"x\":0}"), "ok");
}

TEST(parse_hello_and_welcome) {
  uint8_t ng[32], nw[32];
  nonces(ng, nw);
  std::string frame = unhex(k_hello);
  std::string_view nonce, mac;
  gh::JsonValue info;
  std::string error;
  CHECK(gh::parseHello(std::string_view(frame).substr(5), &nonce, &info, &error));
  CHECK(nonce == std::string_view(reinterpret_cast<char*>(ng), 32));
  CHECK_EQ(info.find("gatewayId")->text(), "abcdef012345");
  frame = unhex(k_welcome);
  CHECK(gh::parseWelcome(std::string_view(frame).substr(5), &mac, &info, &error));
  CHECK_EQ(info.find("linkId")->text(), "7");
  CHECK(!gh::parseWelcome("short", &mac, &info, &error));
  CHECK_EQ(error, "welcome: truncated");
  CHECK(!gh::parseHello(unhex("0002"), &nonce, &info, &error));
  CHECK_EQ(error, "hello: truncated");
  CHECK(!gh::parseHello(unhex("0002") + std::string(32, 'n') + "{", &nonce, &info, &error));
  CHECK_EQ(error, "hello: description is not valid JSON");
}

TEST(flow_frames_as_js) {
  std::vector<uint32_t> seqs{99};
  std::string error;
  CHECK(gh::parseAck(unhex("00000002" "00000001" "fffffffe"), &seqs, &error));
  CHECK_EQ(seqs.size(), size_t{2});
  CHECK_EQ(seqs[1], 0xfffffffeu);
  CHECK(gh::parseAck(unhex("00000000"), &seqs, &error));
  CHECK(seqs.empty());
  CHECK(!gh::parseAck(unhex("00000002000000"), &seqs, &error));
  CHECK_EQ(error, "ack: 7 bytes do not hold 2 sequence numbers");
  CHECK(!gh::parseAck(unhex("ffffffff00000000"), &seqs, &error));
  CHECK_EQ(error, "ack: 8 bytes do not hold 4294967295 sequence numbers");
  CHECK(!gh::parseAck(unhex("00"), &seqs, &error));
  CHECK_EQ(error, "ack: truncated");
  uint32_t credits = 0;
  CHECK(gh::parseCredit(unhex("00002000"), &credits, &error));
  CHECK_EQ(credits, 8192u);
  CHECK(!gh::parseCredit(unhex("000000"), &credits, &error));
  CHECK_EQ(error, "credit: body must be 4 bytes");
  CHECK(gh::checkDrain("", &error));
  CHECK(!gh::checkDrain("x", &error));
  CHECK_EQ(error, "drain: body must be empty");
  CHECK(gh::checkPing("12345678", &error));
  CHECK(!gh::checkPing("1234567", &error));
  CHECK_EQ(error, "ping: body must be 8 bytes");
  CHECK_EQ(gh::frameNotAllowedError(0x10), "frame type 0x10 is not allowed from a worker");
  CHECK_EQ(gh::frameNotAllowedError(0x05), "frame type 0x05 is not allowed from a worker");
  CHECK_EQ(gh::frameBeforeHandshakeError(0xab), "frame type 0xab before the handshake finished (expected Auth)");
}

TEST(client_ids) {
  uint8_t id[12] = {0};
  CHECK(gh::isClientId("0123456789abcdef01234567"));
  CHECK(!gh::isClientId("0123456789ABCDEF01234567"));
  CHECK(!gh::isClientId("0123456789abcdef0123456"));
  CHECK(!gh::isClientId("0123456789abcdef012345678"));
  CHECK(!gh::isClientId("0123456789abcdeg01234567"));
  CHECK(!gh::clientIdToBytes("nope", id));
  CHECK_EQ(id[0], 0);
  CHECK(gh::clientIdToBytes("00ff7f80abcdef0102030405", id));
  CHECK_EQ(id[1], 0xff);
  CHECK_EQ(gh::clientIdHex(id), "00ff7f80abcdef0102030405");
  std::string s = "x";
  gh::appendClientIdHex(s, id);
  CHECK_EQ(s, "x00ff7f80abcdef0102030405");
}
