#include "json/json_valid.h"

#include "json/json_scan.h"

namespace gh {

namespace {

using json_scan::setError;
using json_scan::skipSpace;

bool matchWord(std::string_view s, size_t i, std::string_view word) { return s.substr(i, word.size()) == word; }

// Recursive descent; depth is bounded by kMaxJsonDepth, so the stack is too.
struct Validator {
  std::string_view s;
  std::string* error;

  // Validates one value starting at *i (no leading space); advances *i past it.
  bool value(size_t* i, int depth) {
    size_t n = s.size();
    if (*i >= n) {
      setError(error, "unexpected end of JSON input", *i);
      return false;
    }
    char c = s[*i];
    if (c == '{' || c == '[') {
      if (depth >= kMaxJsonDepth) {
        setError(error, "JSON nested too deeply (limit 512)", *i);
        return false;
      }
      return c == '{' ? object(i, depth + 1) : array(i, depth + 1);
    }
    if (c == '"') return string(i);
    if (c == '-' || (c >= '0' && c <= '9')) {
      size_t end = json_scan::scanNumber(s, *i);
      if (end == std::string_view::npos) {
        setError(error, "bad number", *i);
        return false;
      }
      *i = end;
      return true;
    }
    for (std::string_view word : {std::string_view("true"), std::string_view("false"), std::string_view("null")}) {
      if (matchWord(s, *i, word)) {
        *i += word.size();
        return true;
      }
    }
    setError(error, "unexpected character", *i);
    return false;
  }

  bool string(size_t* i) {
    bool plain;
    const char* why = "";
    size_t end = json_scan::scanString(s, *i, &plain, &why);
    if (end == std::string_view::npos) {
      setError(error, why, *i);
      return false;
    }
    *i = end;
    return true;
  }

  bool array(size_t* i, int depth) {
    *i = skipSpace(s, *i + 1);
    if (*i < s.size() && s[*i] == ']') {
      (*i)++;
      return true;
    }
    for (;;) {
      if (!value(i, depth)) return false;
      *i = skipSpace(s, *i);
      if (*i < s.size() && s[*i] == ',') {
        *i = skipSpace(s, *i + 1);
        continue;
      }
      if (*i < s.size() && s[*i] == ']') {
        (*i)++;
        return true;
      }
      setError(error, *i < s.size() ? "expected ',' or ']'" : "unexpected end of JSON input", *i);
      return false;
    }
  }

  bool object(size_t* i, int depth) {
    *i = skipSpace(s, *i + 1);
    if (*i < s.size() && s[*i] == '}') {
      (*i)++;
      return true;
    }
    for (;;) {
      if (*i >= s.size() || s[*i] != '"') {
        setError(error, *i < s.size() ? "expected a property name" : "unexpected end of JSON input", *i);
        return false;
      }
      if (!string(i)) return false;
      *i = skipSpace(s, *i);
      if (*i >= s.size() || s[*i] != ':') {
        setError(error, *i < s.size() ? "expected ':'" : "unexpected end of JSON input", *i);
        return false;
      }
      *i = skipSpace(s, *i + 1);
      if (!value(i, depth)) return false;
      *i = skipSpace(s, *i);
      if (*i < s.size() && s[*i] == ',') {
        *i = skipSpace(s, *i + 1);
        continue;
      }
      if (*i < s.size() && s[*i] == '}') {
        (*i)++;
        return true;
      }
      setError(error, *i < s.size() ? "expected ',' or '}'" : "unexpected end of JSON input", *i);
      return false;
    }
  }
};

}  // namespace

bool jsonValid(std::string_view text, std::string* error) {
  Validator v{text, error};
  size_t i = skipSpace(text, 0);
  if (!v.value(&i, 0)) return false;
  i = skipSpace(text, i);
  if (i != text.size()) {
    setError(error, "unexpected non-whitespace after JSON", i);
    return false;
  }
  return true;
}

}  // namespace gh
