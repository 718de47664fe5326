// The addon's entry: `require('build/Release/gatehouse.node')` gives {Engine, abi}.
// abi is bumped whenever the options, results or events change shape, so the
// loader can refuse a stale build instead of misreading it.
#include <napi.h>

#include "addon/engine_wrap.h"

namespace {

constexpr int kAddonAbi = 3;

Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("Engine", gh::EngineWrap::define(env));
  exports.Set("abi", Napi::Number::New(env, kAddonAbi));
  return exports;
}

}  // namespace

NODE_API_MODULE(gatehouse, init)
