#include <string>
#include <vector>

#include "harness.h"
#include "util/utf8.h"

using gh::utf8Lossy;
using gh::utf8Valid;
using gh_test::hex;
using gh_test::unhex;

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

void appendCodePoint(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// The WHATWG Encoding standard's UTF-8 decoder, step by step as the spec
// writes it (bytes needed / seen, lower and upper boundary, a misfit byte
// "prepended to the stream"), with error mode "replacement".
std::string whatwgDecode(const std::string& in) {
  std::string out;
  uint32_t cp = 0;
  int seen = 0, needed = 0;
  uint8_t lower = 0x80, upper = 0xbf;
  size_t i = 0;
  while (i < in.size()) {
    uint8_t b = static_cast<uint8_t>(in[i]);
    if (needed == 0) {
      i++;
      if (b <= 0x7f) {
        appendCodePoint(out, b);
      } else if (b >= 0xc2 && b <= 0xdf) {
        needed = 1;
        cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b == 0xe0) lower = 0xa0;
        if (b == 0xed) upper = 0x9f;
        needed = 2;
        cp = b & 0xf;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b == 0xf0) lower = 0x90;
        if (b == 0xf4) upper = 0x8f;
        needed = 3;
        cp = b & 0x7;
      } else {
        appendCodePoint(out, 0xfffd);
      }
      continue;
    }
    if (b < lower || b > upper) {
      cp = 0;
      needed = seen = 0;
      lower = 0x80;
      upper = 0xbf;
      appendCodePoint(out, 0xfffd);  // and b is read again
      continue;
    }
    i++;
    lower = 0x80;
    upper = 0xbf;
    cp = (cp << 6) | (b & 0x3f);
    if (++seen != needed) continue;
    appendCodePoint(out, cp);
    cp = 0;
    needed = seen = 0;
  }
  if (needed != 0) appendCodePoint(out, 0xfffd);  // end of queue inside a sequence
  return out;
}

std::string lossy(std::string_view h) { return hex(utf8Lossy(unhex(h))); }

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

// From node v20.20.2: Buffer.from(Buffer.from(hex, 'hex').toString('utf8')).toString('hex').
TEST(utf8_lossy_matches_buffer_to_string) {
  CHECK_EQ(lossy("e28241"), "efbfbd41");
  CHECK_EQ(lossy("c080"), "efbfbdefbfbd");
  CHECK_EQ(lossy("c0af"), "efbfbdefbfbd");
  CHECK_EQ(lossy("eda080"), "efbfbdefbfbdefbfbd");
  CHECK_EQ(lossy("edbfbf"), "efbfbdefbfbdefbfbd");
  CHECK_EQ(lossy("ed9fbf"), "ed9fbf");
  CHECK_EQ(lossy("f4908080"), "efbfbdefbfbdefbfbdefbfbd");
  CHECK_EQ(lossy("f48fbfbf"), "f48fbfbf");
  CHECK_EQ(lossy("f08fbfbf"), "efbfbdefbfbdefbfbdefbfbd");
  CHECK_EQ(lossy("f09f9880"), "f09f9880");
  CHECK_EQ(lossy("e282"), "efbfbd");
  CHECK_EQ(lossy("f09f98"), "efbfbd");
  CHECK_EQ(lossy("c2"), "efbfbd");
  CHECK_EQ(lossy("41e282"), "41efbfbd");
  CHECK_EQ(lossy("41f09f98"), "41efbfbd");
  CHECK_EQ(lossy("e0a0"), "efbfbd");
  CHECK_EQ(lossy("e080"), "efbfbdefbfbd");
  CHECK_EQ(lossy("e09f80"), "efbfbdefbfbdefbfbd");
  CHECK_EQ(lossy("f0808080"), "efbfbdefbfbdefbfbdefbfbd");
  CHECK_EQ(lossy("f5808080"), "efbfbdefbfbdefbfbdefbfbd");
  CHECK_EQ(lossy("ff"), "efbfbd");
  CHECK_EQ(lossy("feff"), "efbfbdefbfbd");
  CHECK_EQ(lossy("80"), "efbfbd");
  CHECK_EQ(lossy("8080"), "efbfbdefbfbd");
  CHECK_EQ(lossy("bf41"), "efbfbd41");
  CHECK_EQ(lossy("c2c2"), "efbfbdefbfbd");
  CHECK_EQ(lossy("41c2c241"), "41efbfbdefbfbd41");
  CHECK_EQ(lossy("e2e282ac"), "efbfbde282ac");
  CHECK_EQ(lossy("f09f41"), "efbfbd41");
  CHECK_EQ(lossy("f09f9841"), "efbfbd41");
  CHECK_EQ(lossy("e282acff"), "e282acefbfbd");
  CHECK_EQ(lossy("f888808080"), "efbfbdefbfbdefbfbdefbfbdefbfbd");
  CHECK_EQ(lossy("c1bf"), "efbfbdefbfbd");
  CHECK_EQ(lossy("efbfbd"), "efbfbd");
  CHECK_EQ(lossy("f4"), "efbfbd");
  CHECK_EQ(lossy("f480"), "efbfbd");
  CHECK_EQ(lossy("f48f"), "efbfbd");
  CHECK_EQ(lossy("f48fbf"), "efbfbd");
  CHECK_EQ(lossy("616263e282"), "616263efbfbd");
  CHECK_EQ(lossy("00e2820041"), "00efbfbd0041");
  CHECK_EQ(lossy("4142434445464748e28241494a4b4c4d4e4f50"), "4142434445464748efbfbd41494a4b4c4d4e4f50");
  CHECK_EQ(lossy("41f09f988042"), "41f09f988042");
  CHECK_EQ(lossy(""), "");
}

// Every sequence of up to four bytes drawn from the bytes where the rules
// change (ASCII, each continuation range's edges, every kind of lead byte):
// the lossy decode equals the spec's decoder, its output is valid UTF-8, and
// it keeps exactly the valid inputs unchanged.
TEST(utf8_lossy_matches_the_whatwg_decoder) {
  static const uint8_t kBytes[] = {0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1,
                                   0xc2, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff};
  const size_t k = sizeof kBytes;
  int mismatches = 0, invalidOutputs = 0, validityDisagreements = 0, cases = 0;
  for (size_t len = 1; len <= 4; len++) {
    size_t total = 1;
    for (size_t i = 0; i < len; i++) total *= k;
    for (size_t code = 0; code < total; code++) {
      std::string in;
      for (size_t i = 0, c = code; i < len; i++, c /= k) in.push_back(static_cast<char>(kBytes[c % k]));
      std::string out = utf8Lossy(in);
      cases++;
      if (out != whatwgDecode(in)) mismatches++;
      if (!valid(out)) invalidOutputs++;
      if (valid(in) != (out == in)) validityDisagreements++;
    }
  }
  CHECK_EQ(cases, 20 + 400 + 8000 + 160000);
  CHECK_EQ(mismatches, 0);
  CHECK_EQ(invalidOutputs, 0);
  CHECK_EQ(validityDisagreements, 0);
}

TEST(utf8_lossy_appends) {
  std::string out = "x";
  gh::appendUtf8Lossy(out, std::string_view());
  gh::appendUtf8Lossy(out, "\xe2\x82" "A");
  CHECK_EQ(out, std::string("x\xef\xbf\xbd" "A"));
}
