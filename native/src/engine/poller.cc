#include "engine/poller.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

namespace gh {

Poller::~Poller() {
  if (fd_ >= 0) ::close(fd_);
}

bool Poller::open(std::string* error) {
  fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (fd_ < 0) {
    *error = std::string("epoll_create1: ") + strerror(errno);
    return false;
  }
  return true;
}

bool Poller::add(int fd, uint32_t events, Pollable* target, std::string* error) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = target;
  if (epoll_ctl(fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    if (error != nullptr) *error = std::string("epoll_ctl: ") + strerror(errno);
    return false;
  }
  return true;
}

bool Poller::modify(int fd, uint32_t events, Pollable* target) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = target;
  return epoll_ctl(fd_, EPOLL_CTL_MOD, fd, &ev) == 0;
}

void Poller::remove(int fd) {
  epoll_event ev{};
  epoll_ctl(fd_, EPOLL_CTL_DEL, fd, &ev);
}

int Poller::wait(epoll_event* events, int max) {
  int n = epoll_wait(fd_, events, max, 0);
  return n < 0 ? 0 : n;
}

}  // namespace gh
