// Executes Gateway API commands from worker links, in the order they arrive
// (each synchronously, so sends of one handler reach a client in the order
// issued); the twin of src/gateway/engine-js/command-executor.ts. Data is
// encoded once per listener per command (OutgoingMessage). A command for a
// client this gateway does not hold is ignored and counted
// (commandsForGoneClients); a malformed one returns false + the reason, which
// closes the link that sent it.
#pragma once

#include <string>
#include <string_view>

namespace gh {

class GatewayCore;
class WorkerLink;

bool executeCommand(GatewayCore& core, WorkerLink& link, std::string_view body, std::string* error);

}  // namespace gh
