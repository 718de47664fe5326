#include "addon/loop_watch.h"

namespace gh {

LoopWatch* LoopWatch::open(uv_loop_t* loop, int fd, void* owner, Callbacks callbacks, std::string* error) {
  LoopWatch* w = new LoopWatch();
  w->owner_ = owner;
  w->callbacks_ = callbacks;
  int rc = uv_poll_init(loop, &w->poll_, fd);
  if (rc != 0) {
    *error = std::string("cannot watch the engine's epoll fd: ") + uv_strerror(rc);
    delete w;
    return nullptr;
  }
  w->poll_.data = w;
  w->open_handles_ = 1;
  rc = uv_check_init(loop, &w->check_);
  if (rc == 0) {
    w->check_.data = w;
    w->open_handles_ = 2;
    rc = uv_poll_start(&w->poll_, UV_READABLE, &LoopWatch::onPoll);
  }
  if (rc == 0) rc = uv_check_start(&w->check_, &LoopWatch::onCheck);
  if (rc != 0) {
    *error = std::string("cannot start the engine's loop handles: ") + uv_strerror(rc);
    w->close(nullptr, nullptr);
    return nullptr;
  }
  // The poll keeps the process alive while the engine serves (as a listening
  // server does); the check alone must not.
  uv_unref(reinterpret_cast<uv_handle_t*>(&w->check_));
  return w;
}

void LoopWatch::close(void (*done)(void* arg), void* arg) {
  owner_ = nullptr;
  done_ = done;
  done_arg_ = arg;
  // uv_close on a poll handle takes the fd out of libuv's epoll set at once,
  // so the caller may close the fd right after this returns.
  int handles = open_handles_;
  if (handles >= 1) uv_close(reinterpret_cast<uv_handle_t*>(&poll_), &LoopWatch::onClosed);
  if (handles >= 2) uv_close(reinterpret_cast<uv_handle_t*>(&check_), &LoopWatch::onClosed);
  if (handles == 0) {
    if (done != nullptr) done(arg);
    delete this;
  }
}

void LoopWatch::onPoll(uv_poll_t* handle, int status, int events) {
  LoopWatch* w = static_cast<LoopWatch*>(handle->data);
  // An error status (EBADF…) still means "look": run() finds out what is wrong.
  if (w->owner_ != nullptr) w->callbacks_.readable(w->owner_);
}

void LoopWatch::onCheck(uv_check_t* handle) {
  LoopWatch* w = static_cast<LoopWatch*>(handle->data);
  if (w->owner_ != nullptr) w->callbacks_.check(w->owner_);
}

void LoopWatch::onClosed(uv_handle_t* handle) {
  LoopWatch* w = static_cast<LoopWatch*>(handle->data);
  if (--w->open_handles_ > 0) return;
  if (w->done_ != nullptr) w->done_(w->done_arg_);
  delete w;
}

}  // namespace gh
