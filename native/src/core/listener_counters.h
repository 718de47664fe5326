// Counters kept per client listener. Which counters exist is not decided here:
// the names come in the options (LISTENER_COUNTERS of
// src/gateway/listener-counters.ts, the one list both engines count), and the
// report gives every name for every listener. So a new per-listener counter is
// that name plus one bump() where it happens; neither this class, the stats
// snapshot, the stats JSON nor the addon changes.
//
// bump() finds the name by comparing strings: for rare events (refusals,
// errors) only; the hot-path counters are Counters' fields.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gh {

// One listener's counters, in the order of the names (for the stats snapshot).
struct ListenerStatsRow {
  std::string listener;
  std::vector<std::pair<std::string, uint64_t>> counters;
};

class ListenerCounters {
 public:
  ListenerCounters(std::vector<std::string> names, std::vector<std::string> listeners);

  // Counts one event of `name` on listener `index`. A name not in the list or an
  // index outside the table counts nothing: the caller names a counter the TS
  // list lacks (a bug the cross-engine tests see as a missing count).
  void bump(uint16_t index, std::string_view name);
  uint64_t value(uint16_t index, std::string_view name) const;  // 0 when unknown

  std::vector<ListenerStatsRow> report() const;

 private:
  int indexOf(std::string_view name) const;  // -1: not in the list

  std::vector<std::string> names_;
  std::vector<std::string> listeners_;
  std::vector<uint64_t> values_;  // listeners_.size() rows of names_.size()
};

}  // namespace gh
