// ListenerCounters: the names given are the counters reported, for every listener.
#include <string>
#include <vector>

#include "core/listener_counters.h"
#include "harness.h"

TEST(listener_counters_report_every_name_for_every_listener) {
  gh::ListenerCounters c({"refused", "other"}, {"tcp", "ws"});
  c.bump(1, "refused");
  c.bump(1, "refused");
  c.bump(0, "other");
  std::vector<gh::ListenerStatsRow> rows = c.report();
  CHECK_EQ(rows.size(), size_t{2});
  CHECK_EQ(rows[0].listener, "tcp");
  CHECK_EQ(rows[1].listener, "ws");
  CHECK_EQ(rows[0].counters.size(), size_t{2});
  CHECK_EQ(rows[0].counters[0].first, "refused");
  CHECK_EQ(rows[0].counters[0].second, uint64_t{0});
  CHECK_EQ(rows[0].counters[1].second, uint64_t{1});
  CHECK_EQ(rows[1].counters[0].second, uint64_t{2});
  CHECK_EQ(c.value(1, "refused"), uint64_t{2});
}

TEST(listener_counters_ignore_unknown_names_and_listeners) {
  gh::ListenerCounters c({"refused"}, {"tcp"});
  c.bump(0, "nope");
  c.bump(7, "refused");
  CHECK_EQ(c.value(0, "refused"), uint64_t{0});
  CHECK_EQ(c.value(0, "nope"), uint64_t{0});
  gh::ListenerCounters none({}, {"tcp"});
  none.bump(0, "refused");
  CHECK_EQ(none.report().size(), size_t{1});
  CHECK(none.report()[0].counters.empty());
}
