// LengthPrefixFramer and the encoders, ported from
// test/unit/transport-framer-length-prefix.test.ts and transport-encoder.test.ts.
#include <string>
#include <vector>

#include "transport/encoders.h"
#include "transport/length_prefix_framer.h"
#include "transport/line_framer.h"
#include "harness.h"

using namespace gh;

namespace {

struct Recorder : FramingSink {
  std::vector<std::string> got;
  std::vector<const uint8_t*> pointers;
  void message(const uint8_t* data, size_t size, PayloadKind kind) override {
    CHECK(kind == PayloadKind::Binary);
    pointers.push_back(data);
    got.emplace_back(reinterpret_cast<const char*>(data), size);
  }
};

// A header written independently of the code under test.
std::string header(FrameOptions o, uint64_t payloadLength) {
  uint64_t length = payloadLength + (o.lengthIncludesHeader ? o.headerSize : 0);
  std::string bytes;
  for (int i = o.headerSize - 1; i >= 0; i--) bytes.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  if (o.littleEndian) bytes = std::string(bytes.rbegin(), bytes.rend());
  return bytes;
}

std::string frames(FrameOptions o, const std::vector<std::string>& payloads) {
  std::string out;
  for (const std::string& p : payloads) out += header(o, p.size()) + p;
  return out;
}

std::vector<FrameOptions> variants() {
  std::vector<FrameOptions> out;
  for (uint8_t size : {2, 4}) {
    for (bool little : {false, true}) {
      for (bool includes : {false, true}) out.push_back(FrameOptions{size, little, includes});
    }
  }
  return out;
}

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

bool feedOne(LengthPrefixFramer& f, Recorder& sink, const std::string& chunk, FramingFailure* failure) {
  std::vector<uint8_t> copy(chunk.begin(), chunk.end());
  return f.feed(copy.data(), copy.size(), sink, failure);
}

}  // namespace

TEST(frame_messages_for_every_split_and_variant) {
  for (FrameOptions o : variants()) {
    std::string bytesPayload("bytes\n\r\0\xff", 9);
    std::string stream = frames(o, {"hello", "", "x", bytesPayload}) + header(o, 3) + "ab";
    for (const auto& chunks : splits(stream)) {
      LengthPrefixFramer framer(o, 1024 * 1024);
      Recorder sink;
      for (const std::string& c : chunks) CHECK(feedOne(framer, sink, c, nullptr));
      CHECK((sink.got == std::vector<std::string>{"hello", "", "x", bytesPayload}));
      CHECK_EQ(framer.buffered(), size_t{o.headerSize} + 2);
    }
  }
}

TEST(frame_limit_exact_accepted_one_more_refused_on_the_header) {
  for (FrameOptions o : variants()) {
    LengthPrefixFramer atLimit(o, 16);
    Recorder sink;
    std::string stream = frames(o, {std::string(16, 'a')});
    for (size_t i = 0; i < stream.size(); i += 5) CHECK(feedOne(atLimit, sink, stream.substr(i, 5), nullptr));
    CHECK(sink.got == std::vector<std::string>{std::string(16, 'a')});

    LengthPrefixFramer over(o, 16);
    FramingFailure failure;
    CHECK(!feedOne(over, sink, header(o, 17), &failure));
    CHECK_EQ(failure.reason, std::string("message too large (limit 16 bytes)"));
    CHECK(failure.kind == FailureKind::TooLarge);
    CHECK_EQ(over.buffered(), size_t{0});

    LengthPrefixFramer byByte(o, 16);
    std::string h = header(o, 17);
    for (size_t i = 0; i + 1 < h.size(); i++) CHECK(feedOne(byByte, sink, h.substr(i, 1), nullptr));
    CHECK(!feedOne(byByte, sink, h.substr(h.size() - 1), &failure));
    CHECK_EQ(failure.reason, std::string("message too large (limit 16 bytes)"));
    // It stays failed.
    CHECK(!feedOne(byByte, sink, frames(o, {"a"}), &failure));
    CHECK_EQ(failure.reason, std::string("message too large (limit 16 bytes)"));
  }
}

TEST(frame_byte_order_0x0102_is_258) {
  LengthPrefixFramer big(FrameOptions{2, false, false}, 1024 * 1024);
  Recorder sink;
  CHECK(feedOne(big, sink, std::string("\x01\x02", 2) + std::string(257, '\0'), nullptr));
  CHECK(sink.got.empty());
  CHECK_EQ(big.buffered(), size_t{2 + 257});
  CHECK(feedOne(big, sink, std::string(1, '\0'), nullptr));
  CHECK_EQ(sink.got.size(), size_t{1});
  CHECK_EQ(sink.got[0].size(), size_t{258});

  LengthPrefixFramer little(FrameOptions{4, true, false}, 1024 * 1024);
  Recorder sink2;
  CHECK(feedOne(little, sink2, std::string("\x02\x01\x00\x00", 4) + std::string(258, '\0'), nullptr));
  CHECK_EQ(sink2.got.size(), size_t{1});
  CHECK_EQ(sink2.got[0].size(), size_t{258});
}

TEST(frame_length_below_the_included_header_is_malformed) {
  for (uint8_t size : {2, 4}) {
    FrameOptions o{size, false, true};
    LengthPrefixFramer ok(o, 1024);
    Recorder sink;
    CHECK(feedOne(ok, sink, size == 2 ? std::string("\0\2", 2) : std::string("\0\0\0\4", 4), nullptr));
    CHECK(sink.got == std::vector<std::string>{""});
    LengthPrefixFramer bad(o, 1024);
    FramingFailure failure;
    CHECK(!feedOne(bad, sink, size == 2 ? std::string("\0\1", 2) : std::string("\0\0\0\3", 4), &failure));
    CHECK(failure.kind == FailureKind::Malformed);
    CHECK_EQ(failure.reason, size == 2 ? std::string("malformed frame: length 1 is less than the 2-byte header it includes")
                                       : std::string("malformed frame: length 3 is less than the 4-byte header it includes"));
    CHECK(!feedOne(bad, sink, "", &failure));
    CHECK(failure.reason.rfind("malformed frame: length ", 0) == 0);
  }
}

TEST(frame_views_within_a_chunk_and_one_buffer_for_a_split_message) {
  FrameOptions o{4, false, false};
  LengthPrefixFramer framer(o, 1024 * 1024);
  Recorder sink;
  std::string chunk = frames(o, {"one", "two"});
  auto* p = reinterpret_cast<const uint8_t*>(chunk.data());
  CHECK(framer.feed(p, chunk.size(), sink, nullptr));
  CHECK(sink.pointers[0] == p + 4);
  CHECK(sink.pointers[1] == p + 11);
  std::string split = frames(o, {std::string(1000, 'x')});
  for (size_t i = 0; i < split.size(); i += 100) CHECK(feedOne(framer, sink, split.substr(i, 100), nullptr));
  CHECK_EQ(sink.got.size(), size_t{3});
  CHECK(sink.got[2] == std::string(1000, 'x'));
  CHECK_EQ(framer.buffered(), size_t{0});
  // A header alone in one chunk, the whole body in the next: the body is a view.
  CHECK(feedOne(framer, sink, header(o, 3), nullptr));
  std::string body = "abc";
  CHECK(framer.feed(reinterpret_cast<const uint8_t*>(body.data()), 3, sink, nullptr));
  CHECK(sink.pointers.back() == reinterpret_cast<const uint8_t*>(body.data()));
}

TEST(frame_and_lines_take_empty_chunks_anywhere) {
  FrameOptions o{4, false, false};
  LengthPrefixFramer framer(o, 1024);
  Recorder sink;
  std::string stream("\0\0\0\2\7\x08", 6);
  for (char c : stream) {
    CHECK(framer.feed(nullptr, 0, sink, nullptr));
    CHECK(feedOne(framer, sink, std::string(1, c), nullptr));
  }
  CHECK(framer.feed(nullptr, 0, sink, nullptr));
  CHECK_EQ(sink.got.size(), size_t{1});
  CHECK_EQ(framer.buffered(), size_t{0});

  LineFramer lines(1024, false);
  struct Count : FramingSink {
    int n = 0;
    void message(const uint8_t*, size_t, PayloadKind) override { n++; }
  } count;
  for (char c : std::string("ab\n")) {
    CHECK(lines.feed(nullptr, 0, count, nullptr));
    CHECK(lines.feed(reinterpret_cast<const uint8_t*>(&c), 1, count, nullptr));
  }
  CHECK_EQ(count.n, 1);
  CHECK_EQ(lines.buffered(), size_t{0});
}

TEST(frame_large_declared_length_holds_only_what_arrived) {
  FrameOptions o{4, false, false};
  LengthPrefixFramer framer(o, 200 * 1024 * 1024);
  Recorder sink;
  CHECK(feedOne(framer, sink, header(o, 150u * 1024 * 1024) + "abc", nullptr));
  CHECK_EQ(framer.buffered(), size_t{4 + 3});
}

TEST(encode_line) {
  std::string out;
  appendLine(out, "hi");
  CHECK_EQ(out, std::string("hi\n"));
  appendLine(out, "");
  CHECK_EQ(out, std::string("hi\n\n"));
}

TEST(encode_length_prefixed_all_variants) {
  for (FrameOptions o : variants()) {
    std::string out, error;
    CHECK(appendLengthPrefixed(out, "abc", o, &error));
    CHECK_EQ(out, header(o, 3) + "abc");
    // The inverse of the framer.
    LengthPrefixFramer framer(o, 1024);
    Recorder sink;
    CHECK(feedOne(framer, sink, out, nullptr));
    CHECK(sink.got == std::vector<std::string>{"abc"});
  }
  std::string out, error;
  CHECK(appendLengthPrefixed(out, "ab", FrameOptions{4, false, true}, &error));
  CHECK_EQ(out, std::string("\0\0\0\6ab", 6));
}

TEST(encode_length_prefixed_range_error) {
  std::string out, error;
  FrameOptions plain{2, false, false}, including{2, false, true};
  CHECK(appendLengthPrefixed(out, std::string(0xffff, 'a'), plain, &error));
  CHECK_EQ(out.size(), size_t{0xffff + 2});
  out.clear();
  CHECK(!appendLengthPrefixed(out, std::string(0x10000, 'a'), plain, &error));
  CHECK(out.empty());
  CHECK_EQ(error, std::string("message of 65536 bytes is too long for a 2-byte frame header (at most 65535 bytes)"));
  CHECK(appendLengthPrefixed(out, std::string(0xfffd, 'a'), including, &error));
  CHECK_EQ(out.substr(0, 2), std::string("\xff\xff"));
  out.clear();
  CHECK(!appendLengthPrefixed(out, std::string(0xfffe, 'a'), including, &error));
  CHECK_EQ(error, std::string("message of 65534 bytes is too long for a 2-byte frame header (at most 65533 bytes)"));
}
