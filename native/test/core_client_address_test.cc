// Client addresses kept as bytes (client_address.h) read back exactly as given;
// what is not an IP's canonical text goes to the record's extras, unchanged.
#include <string>

#include "core/client_record.h"
#include "harness.h"

using namespace gh;

TEST(canonical_ip_text_is_kept_as_bytes) {
  for (const char* text : {"127.0.0.1", "10.1.2.3", "0.0.0.0", "255.255.255.255", "::1", "::", "fe80::1",
                           "2001:db8::ff00:42:8329", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}) {
    ClientRecord r;
    r.setRemoteAddress(text);
    r.setLocalAddress(text);
    CHECK(r.remote.stored() && r.local.stored());
    CHECK(r.extras == nullptr);
    CHECK_EQ(r.remoteAddress(), std::string(text));
    CHECK_EQ(r.localAddress(), std::string(text));
  }
}

TEST(other_text_reads_back_unchanged_from_extras) {
  for (const char* text : {"999.1.1.1", "1.2.3.04", "0:0::1", "FE80::1", "localhost", "::ffff:1.2.3.4x",
                           "0123456789012345678901234567890123456789012345678901234567890"}) {
    ClientRecord r;
    r.setRemoteAddress(text);
    CHECK(!r.remote.stored());
    CHECK(r.extras != nullptr);
    CHECK_EQ(r.remoteAddress(), std::string(text));
    CHECK_EQ(r.localAddress(), std::string());
  }
}

TEST(empty_address_is_empty_and_allocates_nothing) {
  ClientRecord r;
  r.setRemoteAddress("");
  CHECK(r.extras == nullptr);
  CHECK_EQ(r.remoteAddress(), std::string());
  // A text address replaced by an IP gives its extras back.
  r.setRemoteAddress("somewhere");
  CHECK(r.extras != nullptr);
  r.setRemoteAddress("::1");
  CHECK(r.extras == nullptr);
  CHECK_EQ(r.remoteAddress(), std::string("::1"));
}

TEST(extras_are_given_back_when_unused_again) {
  ClientRecord r;
  r.extrasForWrite().hasUid = true;
  r.extras->uid = "u";
  r.trimExtras();
  CHECK(r.extras != nullptr);
  r.extras->hasUid = false;
  r.extras->uid.clear();
  r.trimExtras();
  CHECK(r.extras == nullptr);
}
