// The Engine facade: forwards to EngineImpl (engine_impl.h).
#include "engine/engine.h"

#include "engine/engine_impl.h"

namespace gh {

Engine::Engine(EngineOptions options) : impl_(std::make_unique<EngineImpl>(std::move(options))) {}
Engine::~Engine() = default;

bool Engine::start(BoundAddresses* out, std::string* error) { return impl_->start(out, error); }
int Engine::pollFd() const { return impl_->pollFd(); }
void Engine::run() { impl_->run(); }
void Engine::flush() { impl_->flush(); }
void Engine::stopAccepting() { impl_->stopAccepting(); }
void Engine::setReadsHeld(bool held) { impl_->setReadsHeld(held); }
uint64_t Engine::heldEvents() const { return impl_->heldEvents(); }
size_t Engine::linkCount() const { return impl_->linkCount(); }
size_t Engine::connectionCount() const { return impl_->connectionCount(); }
size_t Engine::trackedCount() const { return impl_->trackedCount(); }
size_t Engine::closeClients(size_t max, const std::string& reason, uint16_t wsCode) {
  return impl_->closeClients(max, reason, wsCode);
}
void Engine::closeLinks(const std::string& reason) { impl_->closeLinks(reason); }
void Engine::destroyAll(const std::string& reason) { impl_->destroyAll(reason); }
EngineStatsSnapshot Engine::stats() const { return impl_->stats(); }
std::string Engine::connectionsJson(size_t limit, const std::string& listener) const {
  return impl_->connectionsJson(limit, listener);
}
std::vector<ControlEvent> Engine::takeEvents() { return impl_->takeEvents(); }
void Engine::setProtocol2Handshake(std::function<bool(std::string_view, std::string*)> derive) { impl_->setProtocol2Handshake(std::move(derive)); }

}  // namespace gh
