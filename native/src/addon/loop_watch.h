// The two libuv handles that drive a gh::Engine from Node's loop: a uv_poll on
// the engine's epoll fd (readable: there is work, call run()) and a uv_check
// (after each poll phase: flush the output corked during the turn). They
// outlive their owner: close() detaches the owner at once, and the handles free
// themselves once libuv has called both close callbacks.
#pragma once

#include <string>

#include <uv.h>

namespace gh {

class LoopWatch {
 public:
  struct Callbacks {
    void (*readable)(void* owner);
    void (*check)(void* owner);
  };

  // Starts watching fd for readability and runs check once per loop turn; nullptr + *error on failure.
  static LoopWatch* open(uv_loop_t* loop, int fd, void* owner, Callbacks callbacks, std::string* error);

  // Stops both handles now (before the fd is closed) and frees them later;
  // done(arg), if given, runs once they are freed. The pointer is dead afterwards.
  void close(void (*done)(void* arg), void* arg);

 private:
  LoopWatch() = default;
  static void onPoll(uv_poll_t* handle, int status, int events);
  static void onCheck(uv_check_t* handle);
  static void onClosed(uv_handle_t* handle);

  uv_poll_t poll_;
  uv_check_t check_;
  void* owner_ = nullptr;
  Callbacks callbacks_{nullptr, nullptr};
  int open_handles_ = 0;
  void (*done_)(void*) = nullptr;
  void* done_arg_ = nullptr;
};

}  // namespace gh
