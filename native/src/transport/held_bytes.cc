#include "transport/held_bytes.h"

#include <cstdlib>
#include <cstring>

namespace gh {

HeldBytes::HeldBytes(HeldBytes&& other) noexcept
    : data_(other.data_), size_(other.size_), capacity_(other.capacity_) {
  other.data_ = nullptr;
  other.size_ = other.capacity_ = 0;
}

HeldBytes& HeldBytes::operator=(HeldBytes&& other) noexcept {
  if (this != &other) {
    release();
    data_ = other.data_;
    size_ = other.size_;
    capacity_ = other.capacity_;
    other.data_ = nullptr;
    other.size_ = other.capacity_ = 0;
  }
  return *this;
}

bool HeldBytes::append(const uint8_t* p, size_t n, size_t cap) {
  if (n == 0) return true;
  size_t want = size_t{size_} + n;
  if (want > cap || want > UINT32_MAX) return false;
  if (want > capacity_) {
    // Doubling keeps the copies linear; the cap keeps a bounded message from
    // reserving more than its bound. 256 avoids many tiny reallocations.
    size_t grown = capacity_ < 128 ? 256 : size_t{capacity_} * 2;
    if (grown < want) grown = want;
    if (grown > cap) grown = cap;
    if (grown > UINT32_MAX) grown = UINT32_MAX;
    auto* fresh = static_cast<uint8_t*>(std::realloc(data_, grown));
    if (fresh == nullptr) return false;
    data_ = fresh;
    capacity_ = static_cast<uint32_t>(grown);
  }
  std::memcpy(data_ + size_, p, n);
  size_ = static_cast<uint32_t>(want);
  return true;
}

void HeldBytes::release() {
  std::free(data_);
  data_ = nullptr;
  size_ = capacity_ = 0;
}

}  // namespace gh
