// Small writers for the JSON the core produces itself: log fields, query
// results, stats and connection rows. Plain JSON, keys in the order written:
// every reader parses it (pino, the worker, native-engine.ts), so the order
// is ours, except in query results, where it is the order the app's
// Object.keys sees (query_handler.cc follows the JS engine there).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gh {

// {"k": v, ...} built in order.
class JsonObjectWriter {
 public:
  explicit JsonObjectWriter(std::string& out) : out_(out) { out_.push_back('{'); }
  JsonObjectWriter& key(std::string_view k);  // then append the value to out() yourself
  JsonObjectWriter& str(std::string_view k, std::string_view v);
  JsonObjectWriter& num(std::string_view k, int64_t v);
  JsonObjectWriter& unum(std::string_view k, uint64_t v);
  JsonObjectWriter& boolean(std::string_view k, bool v);
  JsonObjectWriter& null(std::string_view k);
  JsonObjectWriter& raw(std::string_view k, std::string_view json);
  void end() { out_.push_back('}'); }
  std::string& out() { return out_; }

 private:
  std::string& out_;
  bool first_ = true;
};

// An object of log fields, finished.
class LogFields {
 public:
  LogFields() : w_(s_) {}
  JsonObjectWriter& w() { return w_; }
  std::string done() {
    w_.end();
    return std::move(s_);
  }

 private:
  std::string s_;
  JsonObjectWriter w_;
};

}  // namespace gh
