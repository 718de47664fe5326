// The bytes a framer holds of an incomplete message: 16 bytes and no heap while
// empty, so an idle connection costs nothing here. Growth is geometric but
// never past the cap the framer gives (its size bound), and release() gives
// the memory back as soon as the message is complete, so one large message
// does not leave a large buffer on an idle connection.
#pragma once
#include <cstddef>
#include <cstdint>

namespace gh {

class HeldBytes {
 public:
  HeldBytes() = default;
  HeldBytes(const HeldBytes&) = delete;
  HeldBytes& operator=(const HeldBytes&) = delete;
  HeldBytes(HeldBytes&& other) noexcept;
  HeldBytes& operator=(HeldBytes&& other) noexcept;
  ~HeldBytes() { release(); }

  // Appends n bytes; the total must stay <= cap (the caller checks its bound
  // first). False only when memory cannot be had.
  bool append(const uint8_t* p, size_t n, size_t cap);
  void release();

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  uint8_t* data_ = nullptr;
  uint32_t size_ = 0;
  uint32_t capacity_ = 0;
};

}  // namespace gh
