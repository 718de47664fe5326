#include "core/listener_counters.h"

namespace gh {

ListenerCounters::ListenerCounters(std::vector<std::string> names, std::vector<std::string> listeners)
    : names_(std::move(names)), listeners_(std::move(listeners)), values_(names_.size() * listeners_.size(), 0) {}

int ListenerCounters::indexOf(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); i++)
    if (names_[i] == name) return static_cast<int>(i);
  return -1;
}

void ListenerCounters::bump(uint16_t index, std::string_view name) {
  int n = indexOf(name);
  if (n < 0 || index >= listeners_.size()) return;
  values_[index * names_.size() + static_cast<size_t>(n)]++;
}

uint64_t ListenerCounters::value(uint16_t index, std::string_view name) const {
  int n = indexOf(name);
  if (n < 0 || index >= listeners_.size()) return 0;
  return values_[index * names_.size() + static_cast<size_t>(n)];
}

std::vector<ListenerStatsRow> ListenerCounters::report() const {
  std::vector<ListenerStatsRow> rows;
  rows.reserve(listeners_.size());
  for (size_t l = 0; l < listeners_.size(); l++) {
    ListenerStatsRow row{listeners_[l], {}};
    for (size_t n = 0; n < names_.size(); n++) row.counters.emplace_back(names_[n], values_[l * names_.size() + n]);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace gh
