#include "harness.h"

#include <cstring>
#include <vector>

namespace gh_test {
namespace {
struct Entry {
  const char* name;
  TestFn fn;
};
std::vector<Entry>& registry() {
  static std::vector<Entry> tests;
  return tests;
}
int failures = 0;
const char* current = "";
}  // namespace

int registerTest(const char* name, TestFn fn) {
  registry().push_back({name, fn});
  return 0;
}

void fail(const char* file, int line, const std::string& what) {
  ++failures;
  std::fprintf(stderr, "FAIL %s (%s:%d): %s\n", current, file, line, what.c_str());
}
}  // namespace gh_test

// Optional argument: run only tests whose name contains it.
int main(int argc, char** argv) {
  int passed = 0, failed = 0;
  for (const auto& t : gh_test::registry()) {
    if (argc > 1 && std::strstr(t.name, argv[1]) == nullptr) continue;
    gh_test::current = t.name;
    int before = gh_test::failures;
    t.fn();
    if (gh_test::failures == before) ++passed;
    else ++failed;
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
