// The table's directory by connection number (record_slots.h) against a
// std::unordered_map doing the same inserts and erases: every lookup agrees,
// through growth, backward-shift removals and shrinking.
#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

#include "core/client_record.h"
#include "core/record_slots.h"
#include "harness.h"

using namespace gh;

namespace {
ClientRecord* recordNumbered(uint64_t n) {
  auto* c = new ClientRecord();
  c->number = n;
  return c;
}
}  // namespace

TEST(finds_what_was_inserted_and_not_what_was_erased) {
  RecordSlots slots;
  CHECK(slots.find(1) == nullptr);
  slots.erase(1);  // empty: nothing happens
  for (uint64_t n = 1; n <= 1000; n++) slots.insert(recordNumbered(n));
  CHECK_EQ(slots.size(), size_t(1000));
  CHECK(slots.capacity() * 3 >= slots.size() * 4);  // at most 3/4 full
  for (uint64_t n = 1; n <= 1000; n++) CHECK(slots.find(n) != nullptr && slots.find(n)->number == n);
  CHECK(slots.find(0) == nullptr && slots.find(1001) == nullptr);
  for (uint64_t n = 1; n <= 1000; n += 2) slots.erase(n);
  for (uint64_t n = 1; n <= 1000; n++) CHECK((slots.find(n) != nullptr) == (n % 2 == 0));
  slots.erase(1);  // already gone
  CHECK_EQ(slots.size(), size_t(500));
}

TEST(agrees_with_a_map_under_random_churn) {
  std::mt19937_64 rng(7);
  RecordSlots slots;
  std::unordered_map<uint64_t, bool> ref;
  std::vector<uint64_t> live;
  uint64_t next = 0;
  for (int step = 0; step < 200000; step++) {
    // Phases of growth and of shrinking, so the array grows and shrinks again.
    bool growing = (step / 20000) % 2 == 0;
    if (live.empty() || rng() % 100 < (growing ? 70u : 30u)) {
      uint64_t n = ++next;
      slots.insert(recordNumbered(n));
      ref[n] = true;
      live.push_back(n);
    } else {
      size_t at = rng() % live.size();
      uint64_t n = live[at];
      live[at] = live.back();
      live.pop_back();
      slots.erase(n);
      ref.erase(n);
    }
    if (step % 997 == 0) {
      for (uint64_t n = 1; n <= next; n++) {
        ClientRecord* c = slots.find(n);
        if ((c != nullptr) != (ref.count(n) == 1)) {
          CHECK(false);
          return;
        }
        if (c != nullptr && c->number != n) CHECK(false);
      }
    }
  }
  CHECK_EQ(slots.size(), ref.size());
  CHECK(slots.capacity() * 3 >= slots.size() * 4);
  CHECK(slots.size() * 8 >= slots.capacity() || slots.capacity() == 16);
}
