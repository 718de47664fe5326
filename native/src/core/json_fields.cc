#include "core/json_fields.h"

#include "json/json_string.h"

namespace gh {

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
