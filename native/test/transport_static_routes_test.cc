// StaticRoutes, against the bytes Node's http server wrote for
// src/transport/static-routes.ts (captured with the same requests; Node's
// Date header is passed in as `date`).
#include <string>

#include "transport/http_request.h"
#include "transport/static_routes.h"
#include "harness.h"

using namespace gh;

namespace {

const char kDate[] = "Tue, 01 Dec 2026 18:25:11 GMT";
const char kPage[] = "<h1>hi</h1>\n";

HttpRequest parse(const std::string& text) {
  HttpRequestParser parser;
  size_t used;
  CHECK(parser.feed(reinterpret_cast<const uint8_t*>(text.data()), text.size(), &used) == HttpRequestParser::Status::Complete);
  return parser.request();
}

StaticRoutes routes() {
  StaticRoutes r;
  std::string error;
  CHECK(r.add("/", "text/html; charset=utf-8", kPage, &error));
  CHECK(r.add("/a%20b", "text/html; charset=utf-8", kPage, &error));
  return r;
}

}  // namespace

TEST(static_get_and_head_as_node_writes_them) {
  StaticRoutes r = routes();
  StaticResponse get = r.respond(parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), kDate);
  CHECK_EQ(get.bytes, std::string("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 12\r\n"
                                  "Cache-Control: no-cache\r\nDate: Tue, 01 Dec 2026 18:25:11 GMT\r\n"
                                  "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n<h1>hi</h1>\n"));
  CHECK(get.keepAlive);
  StaticResponse head = r.respond(parse("HEAD /?x#y HTTP/1.1\r\nHost: h\r\n\r\n"), kDate);
  CHECK_EQ(head.bytes, std::string("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 12\r\n"
                                   "Cache-Control: no-cache\r\nDate: Tue, 01 Dec 2026 18:25:11 GMT\r\n"
                                   "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n"));
  // The path is matched as sent, not percent-decoded.
  CHECK(r.respond(parse("GET /a%20b HTTP/1.1\r\nHost: h\r\n\r\n")).bytes.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(r.respond(parse("GET /a%20B HTTP/1.1\r\nHost: h\r\n\r\n")).bytes.rfind("HTTP/1.1 404 Not Found\r\n", 0) == 0);
}

TEST(static_404_405_and_connection_rules) {
  StaticRoutes r = routes();
  StaticResponse missing = r.respond(parse("GET /nope HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"), kDate);
  CHECK_EQ(missing.bytes, std::string("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 10\r\n"
                                      "Cache-Control: no-cache\r\nDate: Tue, 01 Dec 2026 18:25:11 GMT\r\nConnection: close\r\n\r\nnot found\n"));
  CHECK(!missing.keepAlive);
  StaticResponse post = r.respond(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"), kDate);
  CHECK_EQ(post.bytes, std::string("HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                   "Content-Length: 19\r\nCache-Control: no-cache\r\nDate: Tue, 01 Dec 2026 18:25:11 GMT\r\n"
                                   "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nmethod not allowed\n"));
  CHECK(post.keepAlive);
  StaticResponse headMissing = r.respond(parse("HEAD /nope HTTP/1.1\r\nHost: h\r\n\r\n"), kDate);
  CHECK_EQ(headMissing.bytes, std::string("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 10\r\n"
                                          "Cache-Control: no-cache\r\nDate: Tue, 01 Dec 2026 18:25:11 GMT\r\n"
                                          "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n"));
  // DELETE on an unknown path is a 404, on a known one a 405.
  CHECK(r.respond(parse("DELETE /nope HTTP/1.1\r\nHost: h\r\n\r\n")).bytes.rfind("HTTP/1.1 404 ", 0) == 0);
  CHECK(r.respond(parse("DELETE / HTTP/1.1\r\nHost: h\r\n\r\n")).bytes.rfind("HTTP/1.1 405 ", 0) == 0);
  // A body is not read: the connection is closed after the answer.
  StaticResponse withBody = r.respond(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n"));
  CHECK(!withBody.keepAlive);
  CHECK(withBody.bytes.find("Connection: close\r\n\r\n") != std::string::npos);
  // No Date given: no Date header.
  CHECK(r.respond(parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n")).bytes.find("Date:") == std::string::npos);
}

TEST(static_healthz_and_http10) {
  StaticRoutes r;  // no routes: /healthz still answers
  StaticResponse closed = r.respond(parse("GET /healthz HTTP/1.0\r\n\r\n"), kDate);
  CHECK_EQ(closed.bytes, std::string("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n"
                                     "Cache-Control: no-cache\r\nDate: Tue, 01 Dec 2026 18:25:11 GMT\r\nConnection: close\r\n\r\n"
                                     "{\"status\":\"ok\"}"));
  CHECK(!closed.keepAlive);
  StaticResponse kept = r.respond(parse("GET /healthz?probe=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), kDate);
  CHECK(kept.keepAlive);
  CHECK(kept.bytes.find("Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n{\"status\":\"ok\"}") != std::string::npos);
}

TEST(static_http11_without_host_is_a_400) {
  StaticRoutes r = routes();
  StaticResponse bad = r.respond(parse("GET / HTTP/1.1\r\n\r\n"), kDate);
  CHECK_EQ(bad.bytes, std::string("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nDate: Tue, 01 Dec 2026 18:25:11 GMT\r\n"
                                  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
  CHECK(!bad.keepAlive);
}

TEST(static_route_refusals) {
  StaticRoutes r;
  std::string error;
  CHECK(!r.add("index.html", "text/html", "x", &error));
  CHECK_EQ(error, std::string("static route \"index.html\" must start with '/'"));
  CHECK(!r.add("/healthz", "text/html", "x", &error));
  CHECK_EQ(error, std::string("static route /healthz is reserved for the health check"));
}

TEST(static_content_types) {
  CHECK_EQ(contentTypeFor("a.html"), std::string_view("text/html; charset=utf-8"));
  CHECK_EQ(contentTypeFor("a.js"), std::string_view("text/javascript; charset=utf-8"));
  CHECK_EQ(contentTypeFor("a.css"), std::string_view("text/css; charset=utf-8"));
  CHECK_EQ(contentTypeFor("a.json"), std::string_view("application/json"));
  CHECK_EQ(contentTypeFor("a.svg"), std::string_view("image/svg+xml"));
  CHECK_EQ(contentTypeFor("a.png"), std::string_view("image/png"));
  CHECK_EQ(contentTypeFor("a.ico"), std::string_view("image/x-icon"));
  CHECK_EQ(contentTypeFor("a.txt"), std::string_view("text/plain; charset=utf-8"));
  CHECK_EQ(contentTypeFor("A.PNG"), std::string_view("image/png"));
  CHECK_EQ(contentTypeFor("a.wasm"), std::string_view("application/octet-stream"));
  CHECK_EQ(contentTypeFor("README"), std::string_view("application/octet-stream"));
  CHECK_EQ(contentTypeFor("/srv/.html"), std::string_view("application/octet-stream"));  // extname('.html') is ''
  CHECK_EQ(contentTypeFor("/srv/site.d/index.HTM"), std::string_view("text/html; charset=utf-8"));
}
