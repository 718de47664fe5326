// Command bodies (binary arguments): the bytes dist/src/protocol's
// encoder writes decode here to the same arguments, re-encode to the same
// bytes, and every truncation of them is refused without reading past the end.
#include <string>
#include <vector>

#include "harness.h"
#include "protocol/binary_command.h"
#include "protocol/client_id.h"

using namespace gh;

namespace {
std::string unhex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}
const std::string A = "0123456789ab000000000001";
const std::string B = "ba9876543210000000000002";

// From node v20: encodeCommandFrame(op, flags, head, data) of dist/src/protocol, frame header cut.
const char* const kGolden[] = {
    "01010123456789ab0000000000016869",                                                          // sendToClient A raw "hi"
    "0200616c6c",                                                                                // sendToAll {} "all"
    "021a00020123456789ab000000000001ba98765432100000000000020001ba98765432100000000000026f",  // {c:[A,B],x:[B]} binary "o"
    "03000002000275310003c3bc326d",                                                              // sendToUid ["u1","ü2"] "m"
    "041000010002673100010123456789ab00000000000167",                                            // sendToGroup {g:["g1"],x:[A]} "g"
    "05040123456789ab000000000001627965",                                                        // closeClient A "bye"
    "0600ba9876543210000000000002",                                                              // destroyClient B
    "09000123456789ab0000000000010004726f6f6d",                                                  // joinGroup [A,"room"]
    "0b000004726f6f6d",                                                                          // ungroup "room"
    "0c000123456789ab00000000000100000007017b2273223a7b226e223a317d2c2264223a5b5d7d",            // session {c:A,p:7,k:1}
};
}  // namespace

TEST(golden_bytes_decode_to_the_arguments) {
  std::vector<Command> c(std::size(kGolden));
  std::vector<std::string> bodies;
  for (const char* g : kGolden) bodies.push_back(unhex(g));
  std::string error;
  for (size_t i = 0; i < bodies.size(); i++) {
    CHECK(decodeBinaryCommand(bodies[i], &c[i], &error));
    if (!error.empty()) std::printf("  %zu: %s\n", i, error.c_str());
  }
  auto hex = [](const ClientIdBytes& id) { return clientIdHex(id.b); };
  CHECK_EQ(hex(c[0].idBytes), A);
  CHECK_EQ(std::string(c[0].data), std::string("hi"));
  CHECK_EQ(int(c[0].flags), int(kCommandRaw));
  CHECK(!c[1].hasOnly && c[1].excludeIds.empty() && c[1].data == "all");
  CHECK(c[2].hasOnly && c[2].onlyIds.size() == 2 && hex(c[2].onlyIds[1]) == B && c[2].excludeIds.size() == 1);
  CHECK(hex(c[2].excludeIds[0]) == B);
  CHECK(c[2].data == "o");
  CHECK(c[3].names.size() == 2 && c[3].names[0] == "u1" && c[3].names[1] == "\xc3\xbc" "2" && c[3].data == "m");
  CHECK(c[4].names.size() == 1 && c[4].names[0] == "g1" && c[4].excludeIds.size() == 1 && hex(c[4].excludeIds[0]) == A);
  CHECK(hex(c[5].idBytes) == A && c[5].data == "bye" && (c[5].flags & kCommandHasData));
  CHECK(hex(c[6].idBytes) == B && c[6].data.empty());
  CHECK(hex(c[7].idBytes) == A && c[7].name == "room");
  CHECK(c[8].name == "room");
  CHECK(hex(c[9].idBytes) == A && c[9].patchId == 7 && c[9].patchKind == 1 && c[9].data == "{\"s\":{\"n\":1},\"d\":[]}");
  for (size_t i = 0; i < bodies.size(); i++) {
    std::string again;
    appendBinaryCommand(c[i], again);
    CHECK_EQ(again, bodies[i]);
  }
}

TEST(every_truncation_is_refused_or_shorter_data) {
  // A body cut anywhere inside its arguments is an overrun; cut inside the data it is shorter data.
  for (const char* g : kGolden) {
    std::string body = unhex(g);
    Command full;
    std::string error;
    CHECK(decodeBinaryCommand(body, &full, &error));
    size_t argsEnd = body.size() - full.data.size();
    for (size_t n = 0; n < body.size(); n++) {
      std::string cut = body.substr(0, n);
      Command c;
      bool ok = decodeBinaryCommand(cut, &c, &error);
      if (n < argsEnd) {
        CHECK(!ok);
        CHECK(error.rfind("command:", 0) == 0);
      } else {
        CHECK(ok);
        CHECK_EQ(c.data.size(), n - argsEnd);
      }
    }
  }
}

TEST(forged_counts_allocate_nothing) {
  // 65535 ids announced, none present: refused before anything is reserved.
  std::string body = unhex("0208ffff");
  Command c;
  std::string error;
  CHECK(!decodeBinaryCommand(body, &c, &error));
  CHECK_EQ(error, std::string("command: sendToAll: arguments overrun the frame"));
  CHECK(c.onlyIds.capacity() == 0);
  CHECK(!decodeBinaryCommand(unhex("0400ffff"), &c, &error));
  CHECK(c.names.capacity() == 0);
}

TEST(errors_name_the_op) {
  Command c;
  std::string error;
  CHECK(!decodeBinaryCommand(unhex("00"), &c, &error));
  CHECK_EQ(error, std::string("command: truncated"));
  CHECK(!decodeBinaryCommand(unhex("0d00"), &c, &error));
  CHECK_EQ(error, std::string("command: unknown op 13"));
  CHECK(!decodeBinaryCommand(unhex("0b00000161") + "x", &c, &error));
  CHECK_EQ(error, std::string("command: ungroup: 1 bytes after the arguments of an op without data"));
  CHECK(!decodeBinaryCommand(unhex("0500") + std::string(12, 'a') + "x", &c, &error));
  CHECK_EQ(error, std::string("command: closeClient: 1 bytes after the arguments of an op without data"));
  CHECK(decodeBinaryCommand(unhex("0100") + std::string(12, 'a'), &c, &error));  // empty data is fine
}
