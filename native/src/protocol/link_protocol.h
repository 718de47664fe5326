#pragma once
// Numbers of the gateway <-> worker link protocol (docs/protocol.md, the
// normative description; src/protocol/constants.ts is the JS side of it).
#include <cstddef>
#include <cstdint>

namespace gh {

enum LinkFrameType : uint8_t {
  kFrameHello = 0x01,
  kFrameAuth = 0x02,
  kFrameWelcome = 0x03,
  kFrameReject = 0x04,
  kFramePing = 0x05,
  kFramePong = 0x06,
  kFrameEvent = 0x10,
  kFrameAck = 0x11,
  kFrameCredit = 0x12,
  kFrameDrain = 0x13,
  kFrameDrained = 0x14,
  kFrameForget = 0x15,
  kFrameCommand = 0x20,
  kFrameQuery = 0x21,
  kFrameReply = 0x22,
};

// The version this gateway speaks, and the oldest it still accepts: a
// gateway accepts workers of its own version and of the one before, so an
// upgrade can roll (docs/protocol.md "Versions"). 2: binary command arguments.
// 3: the WebSocketConnect payload is the raw request head.
constexpr uint16_t kProtocolVersion = 3;
constexpr uint16_t kOldestProtocolVersion = 2;
constexpr size_t kFrameHeaderSize = 5;  // u32 length (of what follows) + u8 type
constexpr uint32_t kDefaultMaxFrameSize = 16 * 1024 * 1024;
constexpr size_t kNonceSize = 32;
constexpr size_t kMacSize = 32;
constexpr size_t kClientIdBytes = 12;
constexpr size_t kClientIdLength = 24;  // hex characters
constexpr size_t kEventFixedSize = 4 + 1 + 1 + kClientIdBytes + 4 + 4;

enum LinkEventKind : uint8_t { kEventConnect = 1, kEventWebSocketConnect = 2, kEventMessage = 3, kEventClose = 4 };

// Bits of an Event frame's flags byte; bits 4-5 hold the payload kind.
constexpr uint8_t kEventSession = 0x01;
constexpr uint8_t kEventInfo = 0x02;
constexpr uint8_t kEventRedelivery = 0x04;
constexpr int kPayloadKindShift = 4;
constexpr uint8_t kPayloadKindMask = 0x30;

enum LinkCommandOp : uint8_t {
  kOpSendToClient = 1,
  kOpSendToAll = 2,
  kOpSendToUid = 3,
  kOpSendToGroup = 4,
  kOpCloseClient = 5,
  kOpDestroyClient = 6,
  kOpBindUid = 7,
  kOpUnbindUid = 8,
  kOpJoinGroup = 9,
  kOpLeaveGroup = 10,
  kOpUngroup = 11,
  kOpSession = 12,
};

// Bits of a Command frame's flags byte.
constexpr uint8_t kCommandRaw = 0x01;
constexpr uint8_t kCommandBinary = 0x02;
constexpr uint8_t kCommandHasData = 0x04;

constexpr uint8_t kReplyOk = 0;
constexpr uint8_t kReplyError = 1;

}  // namespace gh
