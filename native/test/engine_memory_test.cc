// What an idle connection costs the I/O layer: its fixed part (the core's
// record is the core's to bound), with no heap while idle.
#include "core/client_record.h"
#include "engine/client_conn.h"
#include "harness.h"

using namespace gh;

TEST(an_idle_connection_is_well_under_one_kib) {
  // ClientConn (socket, framer, output, timer) plus the core's record.
  size_t total = sizeof(ClientConn) + sizeof(ClientRecord);
  CHECK(sizeof(ClientConn) <= 320);
  CHECK(total < 1024);
  ClientConn c(nullptr, -1, 0);
  CHECK(c.out.empty());
  CHECK(c.http == nullptr);
  CHECK(c.timer == nullptr);
  CHECK(c.framer.empty());
}

// Pinned where it is measured (libstdc++, 64-bit): 88 bytes is a 96-byte
// malloc chunk, the framer its own chunk of its exact type (a text client's
// LineFramer: 24 bytes, a 32-byte chunk), output, HTTP parser and timer node
// allocated only while in use. docs/native-engine.md "Memory per connection".
TEST(client_conn_stays_88_bytes) {
#if defined(__GLIBCXX__) && UINTPTR_MAX == UINT64_MAX
  CHECK_EQ(sizeof(ClientConn), size_t(88));
  CHECK_EQ(sizeof(ClientFramer), size_t(8));
  CHECK_EQ(sizeof(OutBuffer), size_t(8));
  CHECK_EQ(sizeof(LineFramer), size_t(24));
#endif
}

TEST(output_allocates_only_while_it_holds_bytes) {
  OutBuffer out;
  out.append(std::string_view());
  out.appendOwned(std::string());
  CHECK(out.empty() && out.pending() == 0);
  out.append(std::string_view("abc"));
  CHECK_EQ(out.pending(), size_t(3));
  out.appendOwned(std::string("de"));
  CHECK_EQ(out.pending(), size_t(5));
  out.clear();
  CHECK(out.empty());
}

TEST(framer_is_replaced_and_freed) {
  ClientFramer f;
  CHECK(f.empty());
  f.setLine(1024, false);
  CHECK(!f.empty());
  f.setWebSocket(1024);  // the line framer is freed (ASan/valgrind see a leak otherwise)
  f.setLengthPrefix(FrameOptions{}, 1024);
  f.reset();
  CHECK(f.empty());
  f.setLine(1024, true);  // freed by the destructor
}
