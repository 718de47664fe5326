// The bytes queued for one socket. Heap memory only while bytes are queued:
// an idle socket's buffer is one null pointer (8 bytes, where the string and
// its offset took 40 in every socket), the block with the bytes is allocated
// on the first append and released as soon as the kernel has taken everything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace gh {

class OutBuffer {
 public:
  size_t pending() const { return q_ ? q_->data.size() - q_->offset : 0; }
  bool empty() const { return pending() == 0; }
  // Empty appends allocate nothing: an allocated block always holds bytes to write.
  void append(std::string_view bytes) {
    if (!bytes.empty()) queued().data.append(bytes.data(), bytes.size());
  }
  // Moves a whole buffer in when nothing is queued (no copy for the common single producer).
  void appendOwned(std::string&& bytes);

  enum class Status { Done, Again, Error };
  // One write() of everything queued; partial writes keep the rest. *written gets the bytes taken.
  Status writeTo(int fd, size_t* written, int* errorCode);
  void clear();

 private:
  struct Queued {
    std::string data;
    size_t offset = 0;  // bytes of data already written
  };
  Queued& queued() {
    if (!q_) q_ = std::make_unique<Queued>();
    return *q_;
  }
  void consumed(size_t n);
  std::unique_ptr<Queued> q_;  // null while nothing is queued
};

}  // namespace gh
