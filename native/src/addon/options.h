// The addon's constructor argument (a plain object, see EngineAddonOptions in
// src/gateway/engine-native/addon.ts) turned into gh::EngineOptions. The
// TypeScript side validates the configuration first; this re-checks every type
// and range so a wrong object is a clear JS Error, never undefined behaviour.
#pragma once

#include <string>

#include <napi.h>

#include "engine/engine.h"

namespace gh {

// false + *error ("engine option listeners[0].port must be …") when a field is missing or wrong.
bool readEngineOptions(Napi::Value value, EngineOptions* out, std::string* error);

}  // namespace gh
