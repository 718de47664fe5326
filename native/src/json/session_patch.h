#pragma once
#include <string>
#include <string_view>

namespace gh {

// Kinds of a Session command's patch (docs/protocol.md "Sessions").
constexpr int kSessionPatchDiff = 1;     // {"s": {key: value}, "d": [key]}
constexpr int kSessionPatchReplace = 2;  // the whole new session
constexpr int kSessionPatchMerge = 3;    // deep-merged into the session

// Exact because the session is what the app reads in every event: its key
// order (Object.keys) and values must be the ones the JS engine would keep.
// Applies a patch to `session`, the compact JSON text of a session object
// ("{}" at connect), exactly as decodeSessionPatch + applySessionPatch of
// src/protocol/session-patch.ts: "__proto__" is skipped where the JS skips it,
// keys land in JavaScript property order, and the new text is what
// JSON.stringify of the JS result would be. On a bad patch (data not JSON,
// wrong shape, unknown kind) returns false with the JS error text
// ('session diff must be {"s": object, "d": string[]}', 'a session must be a
// JSON object', 'unknown session patch kind N'; free text for bad JSON) and
// leaves `session` unchanged. The data is read as Node reads a Buffer
// (invalid UTF-8 becomes U+FFFD, see parseJsonBuffer); nesting deeper than
// kMaxJsonDepth is refused (JSON.parse would go deeper).
bool applySessionPatch(std::string& session, int kind, std::string_view data, std::string* error);

}  // namespace gh
