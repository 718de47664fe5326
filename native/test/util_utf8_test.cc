#include <string>
#include <vector>

#include "harness.h"
#include "util/utf8.h"

using gh::utf8Valid;

namespace {

bool valid(const std::string& s) { return utf8Valid(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

// An independent definition: decode by bit patterns, then refuse what
// Unicode refuses (overlong forms, surrogates, beyond U+10FFFF).
bool reference(const uint8_t* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint32_t b = p[i];
    size_t len;
    uint32_t cp;
    if (b < 0x80) { len = 1; cp = b; }
    else if ((b >> 5) == 0x6) { len = 2; cp = b & 0x1f; }
    else if ((b >> 4) == 0xe) { len = 3; cp = b & 0x0f; }
    else if ((b >> 3) == 0x1e) { len = 4; cp = b & 0x07; }
    else return false;
    if (i + len > n) return false;
    for (size_t k = 1; k < len; k++) {
      if ((p[i + k] >> 6) != 0x2) return false;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

}  // namespace

TEST(utf8_examples) {
  CHECK(valid(""));
  CHECK(valid("plain ascii, long enough to use the word loop"));
  CHECK(valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  CHECK(valid("\xef\xbf\xbf\xf4\x8f\xbf\xbf"));  // U+FFFF, U+10FFFF
  CHECK(!valid("\xc0\x80"));                      // overlong NUL
  CHECK(!valid("\xc1\xbf"));
  CHECK(!valid("\xe0\x9f\xbf"));                  // overlong 3-byte
  CHECK(!valid("\xf0\x8f\xbf\xbf"));              // overlong 4-byte
  CHECK(!valid("\xed\xa0\x80"));                  // U+D800
  CHECK(!valid("\xed\xbf\xbf"));                  // U+DFFF
  CHECK(valid("\xed\x9f\xbf"));                   // U+D7FF
  CHECK(!valid("\xf4\x90\x80\x80"));              // U+110000
  CHECK(!valid("\xf5\x80\x80\x80"));
  CHECK(!valid("\xff"));
  CHECK(!valid("\x80"));
  CHECK(!valid("abc\xe2\x82"));                   // truncated at the end
  CHECK(!valid("abcdefgh\xe2\x82" "abcdefgh"));
  CHECK(!valid(std::string("12345678\xc3", 9)));
  CHECK(valid(std::string("a\0b", 3)));
}

TEST(utf8_every_two_and_three_byte_sequence_matches_the_reference) {
  uint8_t buf[3];
  int mismatches = 0;
  for (int a = 0; a < 256; a++) {
    for (int b = 0; b < 256; b++) {
      buf[0] = static_cast<uint8_t>(a);
      buf[1] = static_cast<uint8_t>(b);
      if (utf8Valid(buf, 2) != reference(buf, 2)) mismatches++;
      if (a < 0xe0 || a > 0xf4) continue;
      static const int kThird[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff};
      for (int c : kThird) {
        buf[2] = static_cast<uint8_t>(c);
        if (utf8Valid(buf, 3) != reference(buf, 3)) mismatches++;
      }
    }
  }
  CHECK_EQ(mismatches, 0);
}

TEST(utf8_four_byte_sequences_match_the_reference) {
  int mismatches = 0;
  static const int kTail[] = {0x00, 0x7f, 0x80, 0x8f, 0x90, 0xbf, 0xc0, 0xff};
  for (int a = 0xf0; a < 0x100; a++) {
    for (int b = 0; b < 256; b++) {
      for (int c : kTail) {
        for (int d : kTail) {
          uint8_t buf[4] = {static_cast<uint8_t>(a), static_cast<uint8_t>(b), static_cast<uint8_t>(c),
                            static_cast<uint8_t>(d)};
          if (utf8Valid(buf, 4) != reference(buf, 4)) mismatches++;
        }
      }
    }
  }
  CHECK_EQ(mismatches, 0);
}

TEST(utf8_bad_byte_at_every_offset_of_a_long_text) {
  std::string text(40, 'x');
  for (size_t i = 0; i < text.size(); i++) {
    std::string bad = text;
    bad[i] = '\x80';
    CHECK(!valid(bad));
    std::string good = text;
    good.replace(i, 1, "\xc3\xa9");
    CHECK(valid(good));
  }
}
