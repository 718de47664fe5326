#include "engine/out_buffer.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

namespace gh {

void OutBuffer::appendOwned(std::string&& bytes) {
  if (bytes.empty()) return;
  Queued& q = queued();
  if (q.offset == q.data.size()) {
    q.data = std::move(bytes);
    q.offset = 0;
  } else {
    q.data.append(bytes);
  }
}

void OutBuffer::clear() {
  q_.reset();
}

void OutBuffer::consumed(size_t n) {
  Queued& q = *q_;
  q.offset += n;
  if (q.offset == q.data.size()) {
    clear();
  } else if (q.offset > 64 * 1024 && q.offset * 2 > q.data.size()) {
    // Compacting only when most of the storage is already sent keeps it linear overall.
    q.data.erase(0, q.offset);
    q.offset = 0;
  }
}

OutBuffer::Status OutBuffer::writeTo(int fd, size_t* written, int* errorCode) {
  *written = 0;
  while (pending() > 0) {
    // MSG_NOSIGNAL: a closed peer is EPIPE here, never SIGPIPE for the process.
    ssize_t n = ::send(fd, q_->data.data() + q_->offset, pending(), MSG_NOSIGNAL | MSG_DONTWAIT);
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
