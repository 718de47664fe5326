#include "transport/static_routes.h"

namespace gh {

namespace {

const char kHealthPath[] = "/healthz";

void reply(StaticResponse* response, const HttpRequest& request, std::string_view status, std::string_view allow,
           std::string_view contentType, std::string_view body, std::string_view date) {
  std::string& out = response->bytes;
  out.reserve(200 + body.size());
  out.append("HTTP/1.1 ").append(status).append("\r\n");
  if (!allow.empty()) out.append("Allow: ").append(allow).append("\r\n");
  out.append("Content-Type: ").append(contentType).append("\r\n");
  out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  out.append("Cache-Control: no-cache\r\n");
  if (!date.empty()) out.append("Date: ").append(date).append("\r\n");
  response->keepAlive = request.keepAlive() && !request.hasBody();
  out.append(response->keepAlive ? "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n" : "Connection: close\r\n\r\n");
  if (request.method != "HEAD") out.append(body);
}

}  // namespace

StaticRoutes::StaticRoutes() { files_[kHealthPath] = File{"application/json", "{\"status\":\"ok\"}"}; }

bool StaticRoutes::add(std::string_view path, std::string_view contentType, std::string_view body, std::string* error) {
  if (path.empty() || path[0] != '/') {
    if (error != nullptr) *error = "static route \"" + std::string(path) + "\" must start with '/'";
    return false;
  }
  if (path == kHealthPath) {
    if (error != nullptr) *error = "static route /healthz is reserved for the health check";
    return false;
  }
  files_[std::string(path)] = File{std::string(contentType), std::string(body)};
  return true;
}

StaticResponse StaticRoutes::respond(const HttpRequest& request, std::string_view date) const {
  StaticResponse response;
  if (request.versionMajor == 1 && request.versionMinor == 1 && request.find("host") == nullptr) {
    // Node's requireHostHeader (for plain requests only: upgrades skip it),
    // answered as Node does, with an empty chunked body.
    response.bytes = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n";
    if (!date.empty()) response.bytes.append("Date: ").append(date).append("\r\n");
    response.bytes.append("Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    return response;
  }
  std::string_view url = request.target;
  std::string_view path = url.substr(0, url.find_first_of("?#"));
  auto found = files_.find(std::string(path));
  if (found == files_.end()) {
    reply(&response, request, "404 Not Found", "", "text/plain; charset=utf-8", "not found\n", date);
  } else if (request.method != "GET" && request.method != "HEAD") {
    reply(&response, request, "405 Method Not Allowed", "GET, HEAD", "text/plain; charset=utf-8",
          "method not allowed\n", date);
  } else {
    reply(&response, request, "200 OK", "", found->second.contentType, found->second.body, date);
  }
  return response;
}

std::string_view contentTypeFor(std::string_view fileName) {
  // path.extname: from the last '.' of the last segment, unless that '.' starts it.
  size_t slash = fileName.find_last_of('/');
  std::string_view base = slash == std::string_view::npos ? fileName : fileName.substr(slash + 1);
  size_t dot = base.find_last_of('.');
  if (dot == std::string_view::npos || dot == 0) return "application/octet-stream";
  std::string ext(base.substr(dot));
  for (char& c : ext) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  static const struct {
    const char* ext;
    const char* type;
  } kTypes[] = {{".html", "text/html; charset=utf-8"},       {".htm", "text/html; charset=utf-8"},
                {".js", "text/javascript; charset=utf-8"},   {".mjs", "text/javascript; charset=utf-8"},
                {".css", "text/css; charset=utf-8"},         {".json", "application/json"},
                {".svg", "image/svg+xml"},                   {".png", "image/png"},
                {".ico", "image/x-icon"},                    {".txt", "text/plain; charset=utf-8"}};
  for (const auto& t : kTypes) {
    if (ext == t.ext) return t.type;
  }
  return "application/octet-stream";
}

}  // namespace gh
