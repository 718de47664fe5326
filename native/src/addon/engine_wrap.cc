#include "addon/engine_wrap.h"

#include <cmath>
#include <string>
#include <utility>

#include "addon/convert.h"
#include "addon/options.h"

namespace gh {
namespace {

Napi::Value throwError(Napi::Env env, const std::string& message) {
  Napi::Error::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

// A non-negative integer argument, or false after throwing a TypeError naming it.
bool countArg(const Napi::CallbackInfo& info, size_t i, const char* what, double max, double* out) {
  Napi::Value v = info[i];
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!std::isfinite(d) || std::floor(d) != d || d < 0 || d > max) {
    Napi::TypeError::New(info.Env(), std::string(what) + " must be an integer between 0 and " +
                                         std::to_string(static_cast<int64_t>(max)))
        .ThrowAsJavaScriptException();
    return false;
  }
  *out = d;
  return true;
}

bool stringArg(const Napi::CallbackInfo& info, size_t i, const char* what, std::string* out) {
  if (!info[i].IsString()) {
    Napi::TypeError::New(info.Env(), std::string(what) + " must be a string").ThrowAsJavaScriptException();
    return false;
  }
  *out = info[i].As<Napi::String>().Utf8Value();
  return true;
}

}  // namespace

Napi::Function EngineWrap::define(Napi::Env env) {
  return DefineClass(env, "Engine",
                     {
                         InstanceMethod<&EngineWrap::start>("start"),
                         InstanceMethod<&EngineWrap::stopAccepting>("stopAccepting"),
                         InstanceMethod<&EngineWrap::setReadsHeld>("setReadsHeld"),
                         InstanceMethod<&EngineWrap::heldEvents>("heldEvents"),
                         InstanceMethod<&EngineWrap::linkCount>("linkCount"),
                         InstanceMethod<&EngineWrap::connectionCount>("connectionCount"),
                         InstanceMethod<&EngineWrap::trackedCount>("trackedCount"),
                         InstanceMethod<&EngineWrap::closeClients>("closeClients"),
                         InstanceMethod<&EngineWrap::closeLinks>("closeLinks"),
                         InstanceMethod<&EngineWrap::destroyAll>("destroyAll"),
                         InstanceMethod<&EngineWrap::stats>("stats"),
                         InstanceMethod<&EngineWrap::connections>("connections"),
                         InstanceMethod<&EngineWrap::close>("close"),
                     });
}

EngineWrap::EngineWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EngineWrap>(info) {
  Napi::Env env = info.Env();
  EngineOptions options;
  std::string error;
  if (!readEngineOptions(info[0], &options, &error)) {
    Napi::TypeError::New(env, error).ThrowAsJavaScriptException();
    return;
  }
  engine_.reset(new Engine(std::move(options)));
  // A worker thread (or an embedder) can tear the environment down with the
  // engine still open: the hook closes the loop handles and the engine's fds.
  if (napi_add_async_cleanup_hook(env, &EngineWrap::onEnvTeardown, this, &cleanup_) != napi_ok) cleanup_ = nullptr;
}

EngineWrap::~EngineWrap() { release(); }

Engine* EngineWrap::live(const Napi::CallbackInfo& info) {
  if (!engine_) {
    throwError(info.Env(), "the native engine is closed");
    return nullptr;
  }
  return engine_.get();
}

Napi::Value EngineWrap::start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Engine* engine = live(info);
  if (engine == nullptr) return env.Undefined();
  if (started_) return throwError(env, "the native engine is already started");
  if (!info[0].IsFunction() || !info[1].IsFunction()) {
    Napi::TypeError::New(env, "start(onEvents, protocol2Handshake) needs the event callback and the handshake derivation")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) return throwError(env, "no libuv loop for the native engine");
  BoundAddresses addresses;
  std::string error;
  if (!engine->start(&addresses, &error)) return throwError(env, error.empty() ? "the native engine failed to start" : error);
  watch_ = LoopWatch::open(loop, engine->pollFd(), this, {&EngineWrap::onReadable, &EngineWrap::onCheck}, &error);
  if (watch_ == nullptr) {
    // Bound but undriven is worse than closed: let go of every socket.
    release();
    return throwError(env, error);
  }
  started_ = true;
  onEvents_ = Napi::Persistent(info[0].As<Napi::Function>());
  protocol2Handshake_ = Napi::Persistent(info[1].As<Napi::Function>());
  engine->setProtocol2Handshake([this](std::string_view raw, std::string* derived) { return deriveProtocol2(raw, derived); });
  context_.reset(new Napi::AsyncContext(env, "gatehouse:native-engine", Value()));
  // A serving engine stays alive even if JavaScript drops its last reference.
  Ref();
  referenced_ = true;
  return addressesToJs(env, addresses);
}

Napi::Value EngineWrap::stopAccepting(const Napi::CallbackInfo& info) {
  if (Engine* e = live(info)) e->stopAccepting();
  return info.Env().Undefined();
}

Napi::Value EngineWrap::setReadsHeld(const Napi::CallbackInfo& info) {
  Engine* e = live(info);
  if (e == nullptr) return info.Env().Undefined();
  if (!info[0].IsBoolean()) {
    Napi::TypeError::New(info.Env(), "setReadsHeld(held) needs a boolean").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  e->setReadsHeld(info[0].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

Napi::Value EngineWrap::heldEvents(const Napi::CallbackInfo& info) {
  Engine* e = live(info);
  return e == nullptr ? info.Env().Undefined() : Napi::Number::New(info.Env(), static_cast<double>(e->heldEvents()));
}

Napi::Value EngineWrap::linkCount(const Napi::CallbackInfo& info) {
  Engine* e = live(info);
  return e == nullptr ? info.Env().Undefined() : Napi::Number::New(info.Env(), static_cast<double>(e->linkCount()));
}

Napi::Value EngineWrap::connectionCount(const Napi::CallbackInfo& info) {
  Engine* e = live(info);
  return e == nullptr ? info.Env().Undefined() : Napi::Number::New(info.Env(), static_cast<double>(e->connectionCount()));
}

Napi::Value EngineWrap::trackedCount(const Napi::CallbackInfo& info) {
  Engine* e = live(info);
  return e == nullptr ? info.Env().Undefined() : Napi::Number::New(info.Env(), static_cast<double>(e->trackedCount()));
}

Napi::Value EngineWrap::closeClients(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Engine* e = live(info);
  double max = 0, code = 0;
  std::string reason;
  if (e == nullptr || !countArg(info, 0, "closeClients max", 4294967295.0, &max) ||
      !stringArg(info, 1, "closeClients reason", &reason) || !countArg(info, 2, "closeClients wsCode", 4999, &code)) {
    return env.Undefined();
  }
  size_t left = e->closeClients(static_cast<size_t>(max), reason, static_cast<uint16_t>(code));
  return Napi::Number::New(env, static_cast<double>(left));
}

Napi::Value EngineWrap::closeLinks(const Napi::CallbackInfo& info) {
  Engine* e = live(info);
  std::string reason;
  if (e != nullptr && stringArg(info, 0, "closeLinks reason", &reason)) e->closeLinks(reason);
  return info.Env().Undefined();
}

Napi::Value EngineWrap::destroyAll(const Napi::CallbackInfo& info) {
  Engine* e = live(info);
  std::string reason;
  if (e != nullptr && stringArg(info, 0, "destroyAll reason", &reason)) e->destroyAll(reason);
  return info.Env().Undefined();
}

Napi::Value EngineWrap::stats(const Napi::CallbackInfo& info) {
  Engine* e = live(info);
  return e == nullptr ? info.Env().Undefined() : statsToJs(info.Env(), e->stats());
}

Napi::Value EngineWrap::connections(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Engine* e = live(info);
  double limit = 0;
  std::string listener;
  if (e == nullptr || !countArg(info, 0, "connections limit", 4294967295.0, &limit) ||
      !stringArg(info, 1, "connections listener", &listener)) {
    return env.Undefined();
  }
  return Napi::String::New(env, e->connectionsJson(static_cast<size_t>(limit), listener));
}

Napi::Value EngineWrap::close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!engine_) return Napi::Array::New(env, 0);
  // What the last primitives queued (link-close events, log records) goes back
  // to the caller rather than being lost with the engine.
  engine_->flush();
  Napi::Array left = eventsToJs(env, engine_->takeEvents());
  release();
  return left;
}

void EngineWrap::onReadable(void* self) {
  EngineWrap* w = static_cast<EngineWrap*>(self);
  if (!w->engine_) return;
  w->engine_->run();
  w->deliver();
}

void EngineWrap::onCheck(void* self) {
  EngineWrap* w = static_cast<EngineWrap*>(self);
  if (!w->engine_) return;
  w->engine_->flush();
  // Events queued outside run() (by the stop primitives) go out within the turn.
  w->deliver();
}

void EngineWrap::deliver() {
  if (!engine_ || onEvents_.IsEmpty()) return;
  std::vector<ControlEvent> events = engine_->takeEvents();
  if (events.empty()) return;
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  Napi::Array batch = eventsToJs(env, events);
  // MakeCallback runs the microtasks queued by the callback, as any I/O callback does.
  onEvents_.MakeCallback(Value(), {batch}, *context_);
  if (env.IsExceptionPending()) {
    // No C++ frame can handle it: make it the process's uncaught exception.
    Napi::Error err = env.GetAndClearPendingException();
    napi_fatal_exception(env, err.Value());
  }
}

bool EngineWrap::deriveProtocol2(std::string_view raw, std::string* derived) {
  // Called from inside run() on the JS thread: a plain call into a pure
  // function (no microtasks, nothing that re-enters the engine).
  if (protocol2Handshake_.IsEmpty()) return false;
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  Napi::Value out = protocol2Handshake_.Call({Napi::String::New(env, raw.data(), raw.size())});
  if (env.IsExceptionPending()) {
    env.GetAndClearPendingException();
    return false;
  }
  if (!out.IsString()) return false;
  *derived = out.As<Napi::String>().Utf8Value();
  return true;
}

void EngineWrap::release() {
  if (watch_ != nullptr) {
    watch_->close(nullptr, nullptr);
    watch_ = nullptr;
  }
  // After the poll handle is stopped: the engine's destructor closes the epoll fd.
  engine_.reset();
  onEvents_.Reset();
  protocol2Handshake_.Reset();
  if (cleanup_ != nullptr) {
    napi_remove_async_cleanup_hook(cleanup_);
    cleanup_ = nullptr;
  }
  if (referenced_) {
    referenced_ = false;
    Unref();
  }
}

void EngineWrap::onEnvTeardown(napi_async_cleanup_hook_handle handle, void* self) {
  EngineWrap* w = static_cast<EngineWrap*>(self);
  w->cleanup_ = nullptr;
  // The environment drops its references itself; touching ours now is not allowed.
  w->referenced_ = false;
  LoopWatch* watch = w->watch_;
  w->watch_ = nullptr;
  // The teardown waits for this hook until libuv has freed the loop handles.
  if (watch != nullptr) {
    watch->close([](void* h) { napi_remove_async_cleanup_hook(static_cast<napi_async_cleanup_hook_handle>(h)); }, handle);
  }
  // After the poll handle is stopped: the engine's destructor closes the epoll fd.
  w->engine_.reset();
  w->onEvents_.Reset();
  if (watch == nullptr) napi_remove_async_cleanup_hook(handle);
}

}  // namespace gh
