#include "transport/protocol2_handshake.h"

#include <unordered_map>
#include <utility>
#include <vector>

#include "json/json_value.h"
#include "transport/http_request.h"
#include "transport/js_object.h"
#include "transport/uri_codec.h"
#include "json/json_string.h"

namespace gh {

namespace {

// A JS object being filled key by key: the first time a key is set fixes its
// place; later sets add to its values (how they combine is the caller's rule).
class OrderedFields {
 public:
  // The values of the key, and whether it was new.
  std::vector<std::string>& at(const std::string& key, bool* fresh) {
    auto found = index_.find(key);
    *fresh = found == index_.end();
    if (!*fresh) return fields_[found->second].second;
    index_.emplace(key, fields_.size());
    fields_.emplace_back(key, std::vector<std::string>());
    return fields_.back().second;
  }
  const std::vector<std::pair<std::string, std::vector<std::string>>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::vector<std::string>>> fields_;
  std::unordered_map<std::string, size_t> index_;
};

std::string jsonString(std::string_view utf8) {
  std::string out;
  appendJsonString(out, utf8);
  return out;
}

std::string jsonArray(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); i++) {
    if (i > 0) out.push_back(',');
    appendJsonString(out, values[i]);
  }
  out.push_back(']');
  return out;
}

std::string decodeOrKeep(std::string_view utf8) {
  std::string decoded;
  return decodeUriComponent(utf8, &decoded) ? decoded : std::string(utf8);
}

// parseQuery of websocket-handshake.ts: a key given once is a string, a
// repeated key an array of its values in order.
std::string queryJson(std::string_view search) {
  OrderedFields fields;
  for (auto& [key, value] : parseUrlEncoded(search)) {
    bool fresh;
    fields.at(key, &fresh).push_back(std::move(value));
  }
  JsObjectWriter object;
  for (const auto& [key, values] : fields.fields()) {
    object.add(key, values.size() == 1 ? jsonString(values[0]) : jsonArray(values));
  }
  std::string out;
  object.appendTo(out);
  return out;
}

std::string_view lowerAscii(std::string_view in, std::string* buffer) {
  buffer->assign(in);
  for (char& c : *buffer) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return *buffer;
}

bool keptOnce(std::string_view name) {
  // The fields whose repeats Node drops (see HttpRequest::nodeValue).
  static const char* const kOnce[] = {"age", "host", "from", "etag", "server", "referer", "expires", "location",
                                      "user-agent", "retry-after", "content-type", "max-forwards", "authorization",
                                      "last-modified", "content-length", "if-modified-since",
                                      "proxy-authorization", "if-unmodified-since"};
  for (const char* once : kOnce) {
    if (name == once) return true;
  }
  return false;
}

// { ...req.headers }: lower-case names, Node's repeat rules, latin1 values.
std::string headersJson(const HttpRequest& request) {
  OrderedFields fields;
  std::string lowered;
  for (const HttpHeader& header : request.headers) {
    std::string_view name = lowerAscii(header.name, &lowered);
    // Node assigns into a plain object: a "__proto__" string goes to the
    // prototype setter, which ignores it.
    if (name == "__proto__") continue;
    bool fresh;
    std::vector<std::string>& values = fields.at(lowered, &fresh);
    if (!fresh && keptOnce(name)) continue;
    values.push_back(latin1ToUtf8(header.value));
  }
  JsObjectWriter object;
  for (const auto& [name, values] : fields.fields()) {
    if (name == "set-cookie") {
      object.add(name, jsonArray(values));
      continue;
    }
    std::string joined = values[0];
    const char* separator = name == "cookie" ? "; " : ", ";
    for (size_t i = 1; i < values.size(); i++) joined.append(separator).append(values[i]);
    object.add(name, jsonString(joined));
  }
  std::string out;
  object.appendTo(out);
  return out;
}

// String.prototype.trim on latin1 text: JS white space and line terminators
// below U+0100.
std::string_view trimJs(std::string_view s) {
  auto space = [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0xa0;
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// parseCookies of websocket-handshake.ts, on the latin1 header text (one byte
// is one JS character there).
std::string cookiesJson(const HttpRequest& request) {
  std::string header;
  OrderedFields fields;
  if (request.nodeValue("cookie", &header)) {
    std::string_view rest = header;
    for (;;) {
      size_t semicolon = rest.find(';');
      std::string_view pair = rest.substr(0, semicolon);
      size_t eq = pair.find('=');
      if (eq != std::string_view::npos) {
        std::string name = latin1ToUtf8(trimJs(pair.substr(0, eq)));
        bool fresh = false;
        if (!name.empty()) {
          std::vector<std::string>& values = fields.at(name, &fresh);
          if (fresh) {
            std::string_view value = trimJs(pair.substr(eq + 1));
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
            std::string utf8 = latin1ToUtf8(value);
            values.push_back(value.find('%') != std::string_view::npos ? decodeOrKeep(utf8) : utf8);
          }
        }
      }
      if (semicolon == std::string_view::npos) break;
      rest.remove_prefix(semicolon + 1);
    }
  }
  JsObjectWriter object;
  for (const auto& [name, values] : fields.fields()) object.add(name, jsonString(values[0]));
  std::string out;
  object.appendTo(out);
  return out;
}

// Each code point below U+0100 back to its byte: the latin1 text of the raw
// payload as the bytes the old derivation reads.
bool utf8ToLatin1(std::string_view utf8, std::string* out) {
  out->clear();
  for (size_t i = 0; i < utf8.size(); i++) {
    auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
    } else if ((c == 0xc2 || c == 0xc3) && i + 1 < utf8.size()) {
      out->push_back(static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(utf8[++i]) & 0x3f)));
    } else {
      return false;
    }
  }
  return true;
}

std::string handshakeJson(const HttpRequest& request, std::string_view remoteAddress, int remotePort) {
  std::string_view url = request.target;
  std::string_view target = url.substr(0, url.find('#'));
  size_t question = target.find('?');
  std::string_view rawPath = target.substr(0, question);
  std::string_view search = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  // Node's URL is latin1 too (the parser admits only ASCII there, but keep the rule in one place).
  std::string urlUtf8 = latin1ToUtf8(url);

  std::string out = "{\"url\":";
  appendJsonString(out, urlUtf8);
  out.append(",\"path\":");
  appendJsonString(out, decodeOrKeep(latin1ToUtf8(rawPath)));
  out.append(",\"query\":");
  out.append(queryJson(search));
  out.append(",\"headers\":");
  out.append(headersJson(request));
  out.append(",\"cookies\":");
  out.append(cookiesJson(request));
  out.append(",\"remoteAddress\":");
  appendJsonString(out, remoteAddress);
  out.append(",\"remotePort\":");
  out.append(std::to_string(remotePort));
  out.push_back('}');
  return out;
}

}  // namespace

bool protocol2HandshakeJson(std::string_view rawJson, std::string* out) {
  JsonValue raw;
  if (!parseJson(rawJson, &raw, nullptr) || !raw.isObject()) return false;
  const JsonValue* url = raw.find("url");
  const JsonValue* rawHeaders = raw.find("rawHeaders");
  const JsonValue* address = raw.find("remoteAddress");
  const JsonValue* port = raw.find("remotePort");
  if (url == nullptr || !url->isString() || rawHeaders == nullptr || !rawHeaders->isArray() ||
      rawHeaders->items().size() % 2 != 0 || address == nullptr || !address->isString() || port == nullptr ||
      !port->isNumber()) {
    return false;
  }
  HttpRequest request;
  if (!utf8ToLatin1(url->text(), &request.target)) return false;
  const std::vector<JsonValue>& items = rawHeaders->items();
  for (size_t i = 0; i < items.size(); i += 2) {
    HttpHeader header;
    if (!items[i].isString() || !items[i + 1].isString() || !utf8ToLatin1(items[i].text(), &header.name) ||
        !utf8ToLatin1(items[i + 1].text(), &header.value)) {
      return false;
    }
    request.headers.push_back(std::move(header));
  }
  *out = handshakeJson(request, address->text(), static_cast<int>(port->numberValue()));
  return true;
}

}  // namespace gh
