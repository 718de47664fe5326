#include "engine/out_buffer.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

namespace gh {

void OutBuffer::appendOwned(std::string&& bytes) {
  if (pending() == 0) {
    data_ = std::move(bytes);
    offset_ = 0;
  } else {
    data_.append(bytes);
  }
}

void OutBuffer::clear() {
  std::string().swap(data_);
  offset_ = 0;
}

void OutBuffer::consumed(size_t n) {
  offset_ += n;
  if (offset_ == data_.size()) {
    clear();
  } else if (offset_ > 64 * 1024 && offset_ * 2 > data_.size()) {
    // Compacting only when most of the storage is already sent keeps it linear overall.
    data_.erase(0, offset_);
    offset_ = 0;
  }
}

OutBuffer::Status OutBuffer::writeTo(int fd, size_t* written, int* errorCode) {
  *written = 0;
  while (pending() > 0) {
    // MSG_NOSIGNAL: a closed peer is EPIPE here, never SIGPIPE for the process.
    ssize_t n = ::send(fd, data_.data() + offset_, pending(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return Status::Again;
      *errorCode = errno;
      return Status::Error;
    }
    *written += static_cast<size_t>(n);
    consumed(static_cast<size_t>(n));
    // A short write means the kernel buffer is full: do not spin on EAGAIN.
    if (pending() > 0) return Status::Again;
  }
  return Status::Done;
}

}  // namespace gh
