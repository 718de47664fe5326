// `new addon.Engine(options)`: a gh::Engine owned by a JS object. JavaScript
// starts it with an event callback, stops it with the stop primitives, reads
// stats and connection rows, and closes it; the engine runs on Node's loop
// through a LoopWatch. Control events reach JS as one array per run() that
// produced any, never one call per event. Nothing throws C++ exceptions: bad
// arguments and engine failures become JS Errors.
#pragma once

#include <memory>

#include <napi.h>
#include <node_api.h>

#include "addon/loop_watch.h"
#include "engine/engine.h"

namespace gh {

class EngineWrap : public Napi::ObjectWrap<EngineWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit EngineWrap(const Napi::CallbackInfo& info);
  ~EngineWrap() override;

 private:
  // JS methods (see EngineAddon in src/gateway/engine-native/addon.ts).
  Napi::Value start(const Napi::CallbackInfo& info);
  Napi::Value stopAccepting(const Napi::CallbackInfo& info);
  Napi::Value setReadsHeld(const Napi::CallbackInfo& info);
  Napi::Value heldEvents(const Napi::CallbackInfo& info);
  Napi::Value linkCount(const Napi::CallbackInfo& info);
  Napi::Value connectionCount(const Napi::CallbackInfo& info);
  Napi::Value trackedCount(const Napi::CallbackInfo& info);
  Napi::Value closeClients(const Napi::CallbackInfo& info);
  Napi::Value closeLinks(const Napi::CallbackInfo& info);
  Napi::Value destroyAll(const Napi::CallbackInfo& info);
  Napi::Value stats(const Napi::CallbackInfo& info);
  Napi::Value connections(const Napi::CallbackInfo& info);
  Napi::Value close(const Napi::CallbackInfo& info);

  // The engine, or nullptr after throwing a JS Error (it is closed).
  Engine* live(const Napi::CallbackInfo& info);
  static void onReadable(void* self);
  static void onCheck(void* self);
  // Hands the events queued so far to the JS callback, if there are any.
  void deliver();
  bool deriveProtocol2(std::string_view raw, std::string* derived);
  // Releases the loop handles and the engine; safe to call twice and from the finalizer.
  void release();
  static void onEnvTeardown(napi_async_cleanup_hook_handle handle, void* self);

  std::unique_ptr<Engine> engine_;
  LoopWatch* watch_ = nullptr;
  Napi::FunctionReference onEvents_;
  // Derives protocol 2's websocket-connect payload in JavaScript (GatewayCore::setProtocol2Handshake).
  Napi::FunctionReference protocol2Handshake_;
  std::unique_ptr<Napi::AsyncContext> context_;
  napi_async_cleanup_hook_handle cleanup_ = nullptr;
  bool started_ = false;
  bool referenced_ = false;
};

}  // namespace gh
