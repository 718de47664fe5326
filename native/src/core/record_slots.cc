#include "core/record_slots.h"

#include "core/client_record.h"

namespace gh {

RecordSlots::~RecordSlots() {
  for (ClientRecord* c : slots_) delete c;
}

// Fibonacci hashing: consecutive connection numbers land far apart, so the runs
// linear probing walks stay short whatever numbers are still open.
size_t RecordSlots::home(uint64_t number) const {
  return static_cast<size_t>((number * 0x9e3779b97f4a7c15ull) >> shift_);
}

void RecordSlots::place(ClientRecord* c) {
  size_t mask = slots_.size() - 1;
  size_t i = home(c->number);
  while (slots_[i] != nullptr) i = (i + 1) & mask;
  slots_[i] = c;
}

void RecordSlots::rehash(size_t slots) {
  std::vector<ClientRecord*> old;
  old.swap(slots_);
  slots_.assign(slots, nullptr);
  shift_ = 64;
  for (size_t n = slots; n > 1; n >>= 1) shift_--;
  for (ClientRecord* c : old)
    if (c != nullptr) place(c);
}

void RecordSlots::insert(ClientRecord* c) {
  if (slots_.empty()) rehash(kMinSlots);
  else if ((size_ + 1) * 4 > slots_.size() * 3) rehash(slots_.size() * 2);
  place(c);
  size_++;
}

ClientRecord* RecordSlots::find(uint64_t number) const {
  if (slots_.empty() || number == 0) return nullptr;
  size_t mask = slots_.size() - 1;
  for (size_t i = home(number);; i = (i + 1) & mask) {
    ClientRecord* c = slots_[i];
    if (c == nullptr) return nullptr;  // never full: a free slot ends every probe
    if (c->number == number) return c;
  }
}

void RecordSlots::erase(uint64_t number) {
  if (slots_.empty() || number == 0) return;
  size_t mask = slots_.size() - 1;
  size_t i = home(number);
  while (slots_[i] != nullptr && slots_[i]->number != number) i = (i + 1) & mask;
  if (slots_[i] == nullptr) return;
  delete slots_[i];
  size_--;
  // Backward shift: an entry after the hole moves into it unless its home lies
  // cyclically in (hole, its slot], where a probe from its home never passes the hole.
  for (size_t j = (i + 1) & mask; slots_[j] != nullptr; j = (j + 1) & mask) {
    size_t k = home(slots_[j]->number);
    bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
    if (stays) continue;
    slots_[i] = slots_[j];
    i = j;
  }
  slots_[i] = nullptr;
  if (slots_.size() > kMinSlots && size_ * 8 < slots_.size()) rehash(slots_.size() / 2);
}

}  // namespace gh
