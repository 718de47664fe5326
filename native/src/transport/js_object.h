// Writing JSON objects whose key order must be JavaScript's: an object's
// array-index keys ("0", "1", ... up to 2^32 - 2, no leading zeros) come first
// in ascending order, then the other keys in insertion order. JSON.stringify
// of an object built in JS lists keys that way. Exact because these objects
// reach the app (the handshake's query, headers, cookies; session patches).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace gh {

// Whether JavaScript treats the key as an array index.
bool isArrayIndexKey(std::string_view key);

// Keys in insertion order (each once: the caller merges repeats) with their
// values already serialized as JSON.
class JsObjectWriter {
 public:
  void add(std::string key, std::string json);
  void appendTo(std::string& out) const;

 private:
  struct Entry {
    std::string key;
    std::string json;
  };
  std::vector<Entry> entries_;
};

}  // namespace gh
