// The engine's results as plain JS values, with the names and shapes the
// TypeScript side declares in src/gateway/engine-native/addon.ts.
#pragma once

#include <vector>

#include <napi.h>

#include "engine/engine.h"

namespace gh {

// {listeners: [{name, protocol, host, port}], linkPath, linkPort: number | null}
Napi::Object addressesToJs(Napi::Env env, const BoundAddresses& addresses);
// Every EngineStats counter (gatewayId excepted, the TypeScript side adds it).
Napi::Object statsToJs(Napi::Env env, const EngineStatsSnapshot& stats);
// [{type: 'link-open' | 'link-close' | 'reads-paused' | 'reads-resumed' | 'log', …}]
Napi::Array eventsToJs(Napi::Env env, const std::vector<ControlEvent>& events);

}  // namespace gh
