// LineFramer and judgeJsonLine, ported from test/unit/transport-framer-lines.test.ts.
#include <string>
#include <vector>

#include "transport/json_line.h"
#include "transport/length_prefix_framer.h"
#include "transport/websocket_parser.h"
#include "transport/line_framer.h"
#include "harness.h"

using namespace gh;

namespace {

struct Recorder : FramingSink {
  std::vector<std::string> got;  // "T:line", "J:line", "I:reason|line"
  std::vector<const uint8_t*> pointers;
  void message(const uint8_t* data, size_t size, PayloadKind kind) override {
    pointers.push_back(data);
    got.push_back(std::string(kind == PayloadKind::Text ? "T:" : kind == PayloadKind::Json ? "J:" : "B:") +
                  std::string(reinterpret_cast<const char*>(data), size));
  }
  void invalidJson(std::string_view reason, const uint8_t* line, size_t size) override {
    got.push_back("I:" + std::string(reason) + "|" + std::string(reinterpret_cast<const char*>(line), size));
  }
};

// Every cut in two, byte by byte, by threes, and whole (as transport-framer-harness.ts).
std::vector<std::vector<std::string>> splits(const std::string& stream) {
  std::vector<std::vector<std::string>> out;
  out.push_back({stream});
  for (size_t size : {size_t{1}, size_t{3}}) {
    std::vector<std::string> chunks;
    for (size_t i = 0; i < stream.size(); i += size) chunks.push_back(stream.substr(i, size));
    out.push_back(chunks);
  }
  for (size_t cut = 1; cut < stream.size(); cut++) out.push_back({stream.substr(0, cut), stream.substr(cut)});
  return out;
}

// Feeds copies of the chunks (fresh buffers, as a socket gives); false at the first failure.
bool feed(LineFramer& framer, Recorder& sink, const std::vector<std::string>& chunks, FramingFailure* failure) {
  for (const std::string& c : chunks) {
    std::vector<uint8_t> copy(c.begin(), c.end());
    if (!framer.feed(copy.data(), copy.size(), sink, failure)) return false;
  }
  return true;
}

bool feedOne(LineFramer& framer, Recorder& sink, const std::string& chunk, FramingFailure* failure) {
  return framer.feed(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size(), sink, failure);
}

}  // namespace

TEST(text_lines_for_every_split_crlf_tolerated_empty_lines_kept) {
  std::string stream = "hello\nworld\r\n\n\r\nlast\rinner\r\npartial";
  std::vector<std::string> want = {"T:hello", "T:world", "T:", "T:", "T:last\rinner"};
  for (const auto& chunks : splits(stream)) {
    LineFramer framer(1024 * 1024, false);
    Recorder sink;
    FramingFailure failure;
    CHECK(feed(framer, sink, chunks, &failure));
    CHECK(sink.got == want);
    CHECK_EQ(framer.buffered(), size_t{7});
  }
}

TEST(text_lines_of_one_chunk_are_views_of_it) {
  LineFramer framer(1024, false);
  Recorder sink;
  std::string chunk = "a\nbb\nccc\n";
  CHECK(feedOne(framer, sink, chunk, nullptr));
  CHECK((sink.got == std::vector<std::string>{"T:a", "T:bb", "T:ccc"}));
  CHECK(sink.pointers[0] == reinterpret_cast<const uint8_t*>(chunk.data()));
  CHECK(sink.pointers[1] == reinterpret_cast<const uint8_t*>(chunk.data()) + 2);
  CHECK(sink.pointers[2] == reinterpret_cast<const uint8_t*>(chunk.data()) + 5);
  CHECK_EQ(framer.buffered(), size_t{0});
}

TEST(text_line_spread_over_many_chunks_counts_what_it_holds) {
  LineFramer framer(1024 * 1024, false);
  Recorder sink;
  std::string line(10000, 'x');
  std::string stream = line + "\n";
  size_t fed = 0;
  while (fed + 7 < stream.size()) {
    CHECK(feedOne(framer, sink, stream.substr(fed, 7), nullptr));
    fed += 7;
    CHECK_EQ(framer.buffered(), fed);
  }
  CHECK(feedOne(framer, sink, stream.substr(fed), nullptr));
  CHECK_EQ(sink.got.size(), size_t{1});
  CHECK(sink.got[0] == "T:" + line);
  CHECK_EQ(framer.buffered(), size_t{0});
}

TEST(text_bytes_pass_unchanged) {
  LineFramer framer(1024, false);
  Recorder sink;
  CHECK(feedOne(framer, sink, "\xe2\x82\xac\xff\n", nullptr));
  CHECK(sink.got == std::vector<std::string>{"T:\xe2\x82\xac\xff"});
}

TEST(limit_line_of_exactly_the_limit_with_lf_or_crlf_split_anywhere) {
  for (std::string stream : {"12345678\n", "12345678\r\n"}) {
    for (const auto& chunks : splits(stream)) {
      LineFramer framer(8, false);
      Recorder sink;
      FramingFailure failure;
      CHECK(feed(framer, sink, chunks, &failure));
      CHECK(sink.got == std::vector<std::string>{"T:12345678"});
    }
  }
}

TEST(limit_line_one_byte_over_however_split) {
  for (const auto& chunks : splits("123456789\n")) {
    LineFramer framer(8, false);
    Recorder sink;
    FramingFailure failure;
    CHECK(!feed(framer, sink, chunks, &failure));
    CHECK_EQ(failure.reason, std::string("message too large (limit 8 bytes)"));
    CHECK(failure.kind == FailureKind::TooLarge);
    CHECK(sink.got.empty());
  }
}

TEST(limit_fails_as_soon_as_more_than_the_limit_is_held) {
  LineFramer framer(8, false);
  Recorder sink;
  FramingFailure failure;
  CHECK(feedOne(framer, sink, "12345678", &failure));
  CHECK_EQ(framer.buffered(), size_t{8});
  CHECK(!feedOne(framer, sink, "9", &failure));
  CHECK_EQ(failure.reason, std::string("message too large (limit 8 bytes)"));
}

TEST(limit_waits_when_the_byte_over_is_a_cr) {
  LineFramer framer(8, false);
  Recorder sink;
  CHECK(feedOne(framer, sink, "12345678\r", nullptr));
  CHECK_EQ(framer.buffered(), size_t{9});
  CHECK(feedOne(framer, sink, "\n", nullptr));
  CHECK(sink.got == std::vector<std::string>{"T:12345678"});
  LineFramer second(8, false);
  CHECK(feedOne(second, sink, "12345678\r", nullptr));
  CHECK(!feedOne(second, sink, "x", nullptr));
  // A "\r" inside the held bytes is no excuse: only the last byte may be stripped.
  LineFramer third(8, false);
  CHECK(feedOne(third, sink, "1234567\r", nullptr));
  CHECK(!feedOne(third, sink, "8\r", nullptr));  // "1234567\r8" is 9 bytes of line already
}

TEST(limit_over_long_line_after_shorter_ones_in_one_chunk) {
  LineFramer framer(8, false);
  Recorder sink;
  FramingFailure failure;
  CHECK(!feedOne(framer, sink, "ok\n123456789\nnever\n", &failure));
  CHECK(sink.got == std::vector<std::string>{"T:ok"});
}

TEST(limit_over_long_line_completing_a_held_one) {
  LineFramer framer(8, false);
  Recorder sink;
  CHECK(feedOne(framer, sink, "12345", nullptr));
  CHECK(!feedOne(framer, sink, "6789\nok\n", nullptr));
  CHECK(sink.got.empty());
  LineFramer exact(8, false);
  CHECK(feedOne(exact, sink, "12345", nullptr));
  CHECK(feedOne(exact, sink, "678\r\nok\n", nullptr));
  CHECK((sink.got == std::vector<std::string>{"T:12345678", "T:ok"}));
}

TEST(limit_stays_failed_and_holds_nothing) {
  LineFramer framer(8, false);
  Recorder sink;
  FramingFailure first, later;
  CHECK(!feedOne(framer, sink, "123456789", &first));
  CHECK(framer.failed());
  CHECK_EQ(framer.buffered(), size_t{0});
  CHECK(!feedOne(framer, sink, "\nok\n", &later));
  CHECK_EQ(later.reason, first.reason);
  CHECK(sink.got.empty());
  CHECK(!feedOne(framer, sink, "", &later));
}

TEST(json_lines_for_every_split) {
  std::string stream = "{\"a\":1}\r\n[1,2]\n{bad\n\"str\"\n\n  \t\r\n42\n";
  for (const auto& chunks : splits(stream)) {
    LineFramer framer(1024 * 1024, true);
    Recorder sink;
    FramingFailure failure;
    CHECK(feed(framer, sink, chunks, &failure));
    CHECK_EQ(sink.got.size(), size_t{5});
    if (sink.got.size() != 5) continue;
    CHECK_EQ(sink.got[0], std::string("J:{\"a\":1}"));
    CHECK_EQ(sink.got[1], std::string("J:[1,2]"));
    CHECK(sink.got[2].rfind("I:invalid JSON: ", 0) == 0);
    CHECK(sink.got[2].size() > std::string("I:invalid JSON: |{bad").size());
    CHECK(sink.got[2].substr(sink.got[2].size() - 5) == "|{bad");
    CHECK_EQ(sink.got[3], std::string("J:\"str\""));
    CHECK_EQ(sink.got[4], std::string("J:42"));
  }
}

TEST(json_bytes_not_utf8_are_reported) {
  LineFramer framer(1024, true);
  Recorder sink;
  CHECK(feedOne(framer, sink, "\"\xff\"\n", nullptr));
  CHECK(sink.got == std::vector<std::string>{"I:invalid JSON: not valid UTF-8|\"\xff\""});
}

TEST(json_connection_usable_after_invalid_lines) {
  LineFramer framer(1024, true);
  Recorder sink;
  CHECK(feedOne(framer, sink, "}\n{\n", nullptr));
  CHECK(feedOne(framer, sink, "{\"ok\":true}\n", nullptr));
  CHECK_EQ(sink.got.size(), size_t{3});
  CHECK_EQ(sink.got[2], std::string("J:{\"ok\":true}"));
  CHECK_EQ(framer.buffered(), size_t{0});
}

TEST(json_size_limit_applies) {
  LineFramer framer(7, true);
  Recorder sink;
  FramingFailure failure;
  CHECK(feedOne(framer, sink, "{\"a\":1}\n", &failure));
  CHECK(sink.got == std::vector<std::string>{"J:{\"a\":1}"});
  CHECK(!feedOne(framer, sink, "{\"a\":12}\n", &failure));
  CHECK_EQ(failure.reason, std::string("message too large (limit 7 bytes)"));
}

TEST(judge_json_line_verdicts) {
  auto judge = [](const std::string& s) { return judgeJsonLine(reinterpret_cast<const uint8_t*>(s.data()), s.size()); };
  CHECK(judge("").kind == JsonLineKind::Blank);
  CHECK(judge(" \t\r ").kind == JsonLineKind::Blank);
  CHECK(judge("\n").kind == JsonLineKind::Invalid);  // JSON.parse accepts "\n", but only inside text
  CHECK(judge(" 1 ").kind == JsonLineKind::Message);
  CHECK(judge("null").kind == JsonLineKind::Message);
  CHECK(judge("\"caf\xc3\xa9\"").kind == JsonLineKind::Message);
  JsonLineVerdict bad = judge("{\"a\":}");
  CHECK(bad.kind == JsonLineKind::Invalid);
  CHECK(bad.reason.rfind("invalid JSON: ", 0) == 0);
  CHECK_EQ(judge("\xc0\x80").reason, std::string("invalid JSON: not valid UTF-8"));
  CHECK(judge("[1,]").kind == JsonLineKind::Invalid);
  CHECK(judge("1 2").kind == JsonLineKind::Invalid);
}

TEST(framers_stay_small_when_idle) {
  // The engine's budget is < 1 KiB per idle connection, all of it included.
  CHECK(sizeof(LineFramer) <= 24);
  CHECK(sizeof(LengthPrefixFramer) <= 40);
  CHECK(sizeof(WebSocketParser) <= 88);
  CHECK(sizeof(HeldBytes) == 16);
}
