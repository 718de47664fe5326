// Answers Gateway API queries about this gateway alone (docs/protocol.md
// "Queries"); the twin of src/gateway/engine-js/query-handler.ts, with the same
// result shapes and key orders (clients in connection order, uids and groups in
// the order they first appeared). Closed clients are never reported.
#pragma once

#include <string>
#include <string_view>

namespace gh {

class GatewayCore;

// Appends a whole Reply frame to `out`: status 0 and the result, or status 1
// and the message for an unknown op or bad arguments (the link stays). False +
// *error for a malformed body (the link closes).
bool answerQuery(GatewayCore& core, std::string_view body, std::string& out, std::string* error);

}  // namespace gh
