#include <cstring>

#include "harness.h"
#include "util/random.h"

TEST(random_bytes_fill_and_differ) {
  uint8_t a[32] = {0}, b[32] = {0};
  gh::randomBytes(a, sizeof a);
  gh::randomBytes(b, sizeof b);
  CHECK(std::memcmp(a, b, sizeof a) != 0);
  uint8_t big[4096];
  gh::randomBytes(big, sizeof big);
  int zeros = 0;
  for (uint8_t v : big) zeros += v == 0;
  CHECK(zeros < 100);  // ~16 expected
  gh::randomBytes(nullptr, 0);
}
