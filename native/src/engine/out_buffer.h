// The bytes queued for one socket. Heap memory only while bytes are queued:
// an idle socket's buffer is an empty std::string (no allocation), and the
// storage is released as soon as the kernel has taken everything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gh {

class OutBuffer {
 public:
  size_t pending() const { return data_.size() - offset_; }
  bool empty() const { return pending() == 0; }
  void append(std::string_view bytes) { data_.append(bytes.data(), bytes.size()); }
  void append(const std::string& bytes) { data_.append(bytes); }
  // Moves a whole buffer in when nothing is queued (no copy for the common single producer).
  void appendOwned(std::string&& bytes);

  enum class Status { Done, Again, Error };
  // One write() of everything queued; partial writes keep the rest. *written gets the bytes taken.
  Status writeTo(int fd, size_t* written, int* errorCode);
  void clear();

 private:
  void consumed(size_t n);
  std::string data_;
  size_t offset_ = 0;
};

}  // namespace gh
