// A tiny unit-test harness for the engine core without Node: TEST(name) { ... }
// registers a test; CHECK/CHECK_EQ record failures and go on. Each test binary
// prints one line per failure and ends with "N passed, N failed"; its exit code
// is 1 when anything failed.
#pragma once
#include <cstdio>
#include <sstream>
#include <cstdint>
#include <string>
#include <string_view>

namespace gh_test {
using TestFn = void (*)();
int registerTest(const char* name, TestFn fn);
void fail(const char* file, int line, const std::string& what);

template <typename T>
std::string show(const T& v) {
  std::ostringstream s;
  s << v;
  return s.str();
}
inline std::string show(const std::string& v) { return '"' + v + '"'; }
inline std::string show(const char* v) { return '"' + std::string(v) + '"'; }
inline std::string show(unsigned char v) { return std::to_string(v); }
inline std::string show(bool v) { return v ? "true" : "false"; }

// Lowercase hex of bytes, and back (goldens are often written as Node's hex).
inline std::string hex(const uint8_t* p, size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; i++) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 15]);
  }
  return out;
}
inline std::string hex(std::string_view s) { return hex(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }
inline std::string unhex(std::string_view h) {
  std::string s;
  auto v = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i + 1 < h.size(); i += 2) s.push_back(static_cast<char>(v(h[i]) * 16 + v(h[i + 1])));
  return s;
}
}  // namespace gh_test

#define GH_CAT2(a, b) a##b
#define GH_CAT(a, b) GH_CAT2(a, b)
#define TEST(name)                                                              \
  static void GH_CAT(test_, name)();                                            \
  static int GH_CAT(reg_, name) = gh_test::registerTest(#name, GH_CAT(test_, name)); \
  static void GH_CAT(test_, name)()

#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) gh_test::fail(__FILE__, __LINE__, "CHECK(" #cond ")"); \
  } while (0)

#define CHECK_EQ(a, b)                                                                              \
  do {                                                                                              \
    const auto& gh_a = (a);                                                                         \
    const auto& gh_b = (b);                                                                         \
    if (!(gh_a == gh_b))                                                                            \
      gh_test::fail(__FILE__, __LINE__,                                                             \
                    "CHECK_EQ(" #a ", " #b "): " + gh_test::show(gh_a) + " != " + gh_test::show(gh_b)); \
  } while (0)
