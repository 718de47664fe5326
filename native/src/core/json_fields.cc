#include "core/json_fields.h"

#include "json/json_string.h"

namespace gh {

namespace {
// Length of the valid UTF-8 sequence at p (n bytes left), or 0.
size_t validSequence(const uint8_t* p, size_t n) {
  uint8_t b = p[0];
  if (b < 0x80) return 1;
  size_t len;
  uint8_t lo = 0x80, hi = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) len = 2;
  else if (b == 0xe0) len = 3, lo = 0xa0;
  else if (b == 0xed) len = 3, hi = 0x9f;
  else if (b >= 0xe1 && b <= 0xef) len = 3;
  else if (b == 0xf0) len = 4, lo = 0x90;
  else if (b == 0xf4) len = 4, hi = 0x8f;
  else if (b >= 0xf1 && b <= 0xf3) len = 4;
  else return 0;
  if (n < len) return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < len; i++)
    if (p[i] < 0x80 || p[i] > 0xbf) return 0;
  return len;
}
}  // namespace

std::string utf8Lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t n = bytes.size();
  for (size_t i = 0; i < n;) {
    size_t len = validSequence(p + i, n - i);
    if (len == 0) {
      out += "\xef\xbf\xbd";
      i++;
    } else {
      out.append(bytes.data() + i, len);
      i += len;
    }
  }
  return out;
}

JsonObjectWriter& JsonObjectWriter::key(std::string_view k) {
  if (!first_) out_.push_back(',');
  first_ = false;
  appendJsonString(out_, k);
  out_.push_back(':');
  return *this;
}

JsonObjectWriter& JsonObjectWriter::str(std::string_view k, std::string_view v) {
  key(k);
  appendJsonString(out_, v);
  return *this;
}

JsonObjectWriter& JsonObjectWriter::num(std::string_view k, int64_t v) {
  key(k);
  out_ += std::to_string(v);
  return *this;
}

JsonObjectWriter& JsonObjectWriter::unum(std::string_view k, uint64_t v) {
  key(k);
  out_ += std::to_string(v);
  return *this;
}

JsonObjectWriter& JsonObjectWriter::boolean(std::string_view k, bool v) {
  key(k);
  out_ += v ? "true" : "false";
  return *this;
}

JsonObjectWriter& JsonObjectWriter::null(std::string_view k) {
  key(k);
  out_ += "null";
  return *this;
}

JsonObjectWriter& JsonObjectWriter::raw(std::string_view k, std::string_view json) {
  key(k);
  out_.append(json.data(), json.size());
  return *this;
}

}  // namespace gh
