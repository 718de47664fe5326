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
}
