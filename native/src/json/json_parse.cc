// parseJson: the same grammar as jsonValid (both use json_scan), building the DOM.
#include "json/json_scan.h"
#include "json/json_valid.h"
#include "json/json_value.h"
#include "util/utf8.h"

namespace gh {

namespace {

using json_scan::setError;
using json_scan::skipSpace;

struct Parser {
  std::string_view s;
  std::string* error;

  bool fail(const char* what, size_t pos) {
    setError(error, what, pos);
    return false;
  }

  bool failEnd(const char* what, size_t pos) {
    return fail(pos < s.size() ? what : "unexpected end of JSON input", pos);
  }

  bool string(size_t* i, std::string* out) {
    bool plain;
    const char* why = "";
    size_t end = json_scan::scanString(s, *i, &plain, &why);
    if (end == std::string_view::npos) return fail(why, *i);
    if (plain) {
      out->assign(s.data() + *i + 1, end - *i - 2);
    } else {
      out->clear();
      json_scan::decodeString(s, *i, end, out);
    }
    *i = end;
    return true;
  }

  bool value(size_t* i, int depth, JsonValue* out) {
    if (*i >= s.size()) return fail("unexpected end of JSON input", *i);
    char c = s[*i];
    if (c == '{' || c == '[') {
      if (depth >= kMaxJsonDepth) return fail("JSON nested too deeply (limit 512)", *i);
      return c == '{' ? object(i, depth + 1, out) : array(i, depth + 1, out);
    }
    if (c == '"') {
      std::string text;
      if (!string(i, &text)) return false;
      *out = JsonValue::makeString(std::move(text));
      return true;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      size_t end = json_scan::scanNumber(s, *i);
      if (end == std::string_view::npos) return fail("bad number", *i);
      *out = JsonValue::makeNumber(s.substr(*i, end - *i));
      *i = end;
      return true;
    }
    if (s.substr(*i, 4) == "true") {
      *out = JsonValue::makeBool(true);
      *i += 4;
      return true;
    }
    if (s.substr(*i, 5) == "false") {
      *out = JsonValue::makeBool(false);
      *i += 5;
      return true;
    }
    if (s.substr(*i, 4) == "null") {
      *out = JsonValue::makeNull();
      *i += 4;
      return true;
    }
    return fail("unexpected character", *i);
  }

  bool array(size_t* i, int depth, JsonValue* out) {
    *out = JsonValue::makeArray();
    *i = skipSpace(s, *i + 1);
    if (*i < s.size() && s[*i] == ']') {
      (*i)++;
      return true;
    }
    for (;;) {
      out->items().emplace_back();
      if (!value(i, depth, &out->items().back())) return false;
      *i = skipSpace(s, *i);
      if (*i < s.size() && s[*i] == ',') {
        *i = skipSpace(s, *i + 1);
        continue;
      }
      if (*i < s.size() && s[*i] == ']') {
        (*i)++;
        return true;
      }
      return failEnd("expected ',' or ']'", *i);
    }
  }

  bool object(size_t* i, int depth, JsonValue* out) {
    *out = JsonValue::makeObject();
    *i = skipSpace(s, *i + 1);
    if (*i < s.size() && s[*i] == '}') {
      (*i)++;
      return true;
    }
    for (;;) {
      if (*i >= s.size() || s[*i] != '"') return failEnd("expected a property name", *i);
      std::string key;
      if (!string(i, &key)) return false;
      *i = skipSpace(s, *i);
      if (*i >= s.size() || s[*i] != ':') return failEnd("expected ':'", *i);
      *i = skipSpace(s, *i + 1);
      JsonValue v;
      if (!value(i, depth, &v)) return false;
      out->appendMember(std::move(key), std::move(v));
      *i = skipSpace(s, *i);
      if (*i < s.size() && s[*i] == ',') {
        *i = skipSpace(s, *i + 1);
        continue;
      }
      if (*i < s.size() && s[*i] == '}') {
        (*i)++;
        out->finishObject();
        return true;
      }
      return failEnd("expected ',' or '}'", *i);
    }
  }
};

}  // namespace

bool parseJson(std::string_view text, JsonValue* out, std::string* error) {
  Parser p{text, error};
  size_t i = skipSpace(text, 0);
  if (!p.value(&i, 0, out)) return false;
  i = skipSpace(text, i);
  if (i != text.size()) return p.fail("unexpected non-whitespace after JSON", i);
  return true;
}

bool parseJsonBuffer(std::string_view bytes, JsonValue* out, std::string* error) {
  if (utf8Valid(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())) return parseJson(bytes, out, error);
  std::string decoded;
  appendUtf8Lossy(decoded, bytes);
  return parseJson(decoded, out, error);
}

}  // namespace gh
