#include "protocol/binary_command.h"

#include <cstring>

#include "util/bytes.h"
#include "util/utf8.h"

namespace gh {

namespace {

const char* opName(uint8_t op) {
  static const char* const kNames[] = {"",           "sendToClient", "sendToAll", "sendToUid",  "sendToGroup",
                                       "closeClient", "destroyClient", "bindUid",  "unbindUid",  "joinGroup",
                                       "leaveGroup",  "ungroup",       "session"};
  return op <= kOpSession ? kNames[op] : "";
}

// The flag bits each op takes; any other bit set is a worker bug, not a hint to ignore.
uint8_t allowedFlags(uint8_t op) {
  constexpr uint8_t kSend = kCommandRaw | kCommandBinary;
  switch (op) {
    case kOpSendToClient:
    case kOpSendToUid: return kSend;
    case kOpSendToAll: return kSend | kCommandOnly | kCommandExclude;
    case kOpSendToGroup: return kSend | kCommandExclude;
    case kOpCloseClient: return kSend | kCommandHasData;
    default: return 0;
  }
}

bool takesData(uint8_t op, uint8_t flags) {
  switch (op) {
    case kOpSendToClient:
    case kOpSendToAll:
    case kOpSendToUid:
    case kOpSendToGroup:
    case kOpSession: return true;
    case kOpCloseClient: return (flags & kCommandHasData) != 0;
    default: return false;
  }
}

// A cursor over the body: every read checks the bytes left first.
class Reader {
 public:
  Reader(std::string_view body, size_t pos) : p_(reinterpret_cast<const uint8_t*>(body.data())), n_(body.size()), pos_(pos) {}
  size_t pos() const { return pos_; }
  bool u8(uint8_t* v) {
    if (n_ - pos_ < 1) return false;
    *v = p_[pos_++];
    return true;
  }
  bool u16(uint16_t* v) {
    if (n_ - pos_ < 2) return false;
    *v = getU16BE(p_ + pos_);
    pos_ += 2;
    return true;
  }
  bool u32(uint32_t* v) {
    if (n_ - pos_ < 4) return false;
    *v = (uint32_t(p_[pos_]) << 24) | (uint32_t(p_[pos_ + 1]) << 16) | (uint32_t(p_[pos_ + 2]) << 8) | p_[pos_ + 3];
    pos_ += 4;
    return true;
  }
  bool id(ClientIdBytes* out) {
    if (n_ - pos_ < kClientIdBytes) return false;
    std::memcpy(out->b, p_ + pos_, kClientIdBytes);
    pos_ += kClientIdBytes;
    return true;
  }
  // u16 count ‖ id × count. The count is checked against the bytes left
  // before anything is reserved, so a forged count allocates nothing.
  bool ids(std::vector<ClientIdBytes>* out) {
    uint16_t count;
    if (!u16(&count) || (n_ - pos_) / kClientIdBytes < count) return false;
    out->resize(count);
    for (uint16_t i = 0; i < count; i++) id(&(*out)[i]);
    return true;
  }
  // u16 length ‖ UTF-8; *bad is set (and false returned) for invalid UTF-8.
  bool name(std::string* out, bool* bad) {
    uint16_t length;
    if (!u16(&length) || n_ - pos_ < length) return false;
    if (!utf8Valid(p_ + pos_, length)) {
      *bad = true;
      return false;
    }
    out->assign(reinterpret_cast<const char*>(p_ + pos_), length);
    pos_ += length;
    return true;
  }
  // u16 count ‖ name × count; each name takes at least its 2 length bytes.
  bool names(std::vector<std::string>* out, bool* bad) {
    uint16_t count;
    if (!u16(&count) || (n_ - pos_) / 2 < count) return false;
    out->resize(count);
    for (uint16_t i = 0; i < count; i++)
      if (!name(&(*out)[i], bad)) return false;
    return true;
  }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t pos_;
};

bool fail(std::string* error, std::string text) {
  if (error) *error = std::move(text);
  return false;
}

bool readArguments(Reader& r, Command* out, bool* bad) {
  switch (out->op) {
    case kOpSendToClient:
    case kOpCloseClient:
    case kOpDestroyClient: return r.id(&out->idBytes);
    case kOpSendToAll:
      out->hasOnly = (out->flags & kCommandOnly) != 0;
      if (out->hasOnly && !r.ids(&out->onlyIds)) return false;
      return (out->flags & kCommandExclude) == 0 || r.ids(&out->excludeIds);
    case kOpSendToUid: return r.names(&out->names, bad);
    case kOpSendToGroup:
      if (!r.names(&out->names, bad)) return false;
      return (out->flags & kCommandExclude) == 0 || r.ids(&out->excludeIds);
    case kOpBindUid:
    case kOpUnbindUid:
    case kOpJoinGroup:
    case kOpLeaveGroup: return r.id(&out->idBytes) && r.name(&out->name, bad);
    case kOpUngroup: return r.name(&out->name, bad);
    case kOpSession: return r.id(&out->idBytes) && r.u32(&out->patchId) && r.u8(&out->patchKind);
  }
  return false;  // unreachable: the op was range-checked
}

void putId(std::string& out, const ClientIdBytes& id) { out.append(reinterpret_cast<const char*>(id.b), kClientIdBytes); }

void putIds(std::string& out, const std::vector<ClientIdBytes>& ids) {
  putU16BE(out, static_cast<uint16_t>(ids.size()));
  for (const ClientIdBytes& id : ids) putId(out, id);
}

void putName(std::string& out, const std::string& name) {
  putU16BE(out, static_cast<uint16_t>(name.size()));
  out.append(name);
}

}  // namespace

bool decodeBinaryCommand(std::string_view body, Command* out, std::string* error) {
  *out = Command();
  if (body.size() < 2) return fail(error, "command: truncated");
  const uint8_t* p = reinterpret_cast<const uint8_t*>(body.data());
  uint8_t op = p[0];
  uint8_t flags = p[1];
  if (op < kOpSendToClient || op > kOpSession) return fail(error, "command: unknown op " + std::to_string(op));
  // The error prefix is built only on failure: this function runs once per command.
  auto what = [op] { return std::string("command: ") + opName(op); };
  uint8_t stray = flags & static_cast<uint8_t>(~allowedFlags(op));
  if (stray != 0) {
    static const char kHex[] = "0123456789abcdef";
    return fail(error, what() + ": flag bits 0x" + kHex[stray >> 4] + kHex[stray & 15] + " are not defined for this op");
  }
  out->op = op;
  out->flags = flags;
  Reader r(body, 2);
  bool bad = false;
  if (!readArguments(r, out, &bad)) {
    *out = Command();
    return fail(error, what() + (bad ? ": a uid or group is not valid UTF-8" : ": arguments overrun the frame"));
  }
  if (op == kOpSession && (out->patchKind < 1 || out->patchKind > 3)) {
    int kind = out->patchKind;
    *out = Command();
    return fail(error, what() + ": patch kind " + std::to_string(kind) + " is not 1, 2 or 3");
  }
  out->data = body.substr(r.pos());
  if (!out->data.empty() && !takesData(op, flags)) {
    size_t extra = out->data.size();
    *out = Command();
    return fail(error, what() + ": " + std::to_string(extra) + " bytes after the arguments of an op without data");
  }
  return true;
}

void appendBinaryCommand(const Command& cmd, std::string& out) {
  putU8(out, cmd.op);
  putU8(out, cmd.flags);
  switch (cmd.op) {
    case kOpSendToClient:
    case kOpCloseClient:
    case kOpDestroyClient: putId(out, cmd.idBytes); break;
    case kOpSendToAll:
      if (cmd.flags & kCommandOnly) putIds(out, cmd.onlyIds);
      if (cmd.flags & kCommandExclude) putIds(out, cmd.excludeIds);
      break;
    case kOpSendToUid:
    case kOpSendToGroup:
      putU16BE(out, static_cast<uint16_t>(cmd.names.size()));
      for (const std::string& n : cmd.names) putName(out, n);
      if (cmd.op == kOpSendToGroup && (cmd.flags & kCommandExclude)) putIds(out, cmd.excludeIds);
      break;
    case kOpBindUid:
    case kOpUnbindUid:
    case kOpJoinGroup:
    case kOpLeaveGroup:
      putId(out, cmd.idBytes);
      putName(out, cmd.name);
      break;
    case kOpUngroup: putName(out, cmd.name); break;
    case kOpSession:
      putId(out, cmd.idBytes);
      putU32BE(out, cmd.patchId);
      putU8(out, cmd.patchKind);
      break;
    default: break;
  }
  out.append(cmd.data.data(), cmd.data.size());
}

}  // namespace gh
