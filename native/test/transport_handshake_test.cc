// The HTTP head parser, the WebSocket upgrade answers and the websocket-connect
// payload. The golden tables are printed by `node native/test/handshake-golden.mjs`:
// each request went through a real Node http server (and ws's handleUpgrade),
// and the JSON is the JS engine's payload, JSON.stringify(rawHandshake(req)):
// what Node's parser read, which the native parser must read the same.
#include <string>
#include <vector>

#include "transport/raw_handshake.h"
#include "transport/http_request.h"
#include "transport/websocket_handshake.h"
#include "harness.h"

using namespace gh;
using namespace std::string_literals;

namespace {

struct HandshakeGolden {
  const char* name;
  std::string request;
  std::string remoteAddress;
  int remotePort;
  std::string json;  // or "<none: status line>" when Node refused the request
};

struct RefusalGolden {
  const char* name;
  std::string request;
  std::string answer;
};

// clang-format off
const HandshakeGolden kHandshakes[] = {
    {"basic", "GET /chat?room=1&user=ann HTTP/1.1\015\012X-Golden: basic\015\012Host: example.com\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "::ffff:10.0.0.7", 50123,
     "{\"url\":\"/chat?room=1&user=ann\",\"rawHeaders\":[\"X-Golden\",\"basic\",\"Host\",\"example.com\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"10.0.0.7\",\"remotePort\":50123}"},
    {"repeatedQuery", "GET /q?a=1&a=2&a=3&b=&c&=x&&d=%zz&e=%C3%A9&f=a+b%2Bc&g=%FF&h=%e2%82 HTTP/1.1\015\012X-Golden: repeatedQuery\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "127.0.0.1", 1,
     "{\"url\":\"/q?a=1&a=2&a=3&b=&c&=x&&d=%zz&e=%C3%A9&f=a+b%2Bc&g=%FF&h=%e2%82\",\"rawHeaders\":[\"X-Golden\",\"repeatedQuery\",\"Host\",\"h\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"127.0.0.1\",\"remotePort\":1}"},
    {"leadingQuestion", "GET /p??x=1&?y=2 HTTP/1.1\015\012X-Golden: leadingQuestion\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "::1", 2,
     "{\"url\":\"/p??x=1&?y=2\",\"rawHeaders\":[\"X-Golden\",\"leadingQuestion\",\"Host\",\"h\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"::1\",\"remotePort\":2}"},
    {"rawLatin1", "GET /caf\351/%C3%A9?n=\351&m=%E9&k\351=v+\351 HTTP/1.1\015\012X-Golden: rawLatin1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "::FFFF:1.2.3.4", 3,
     "<none: HTTP/1.1 400 Bad Request>"},
    {"pathDecode", "GET /a%20b/%E2%82%AC/%2F HTTP/1.1\015\012X-Golden: pathDecode\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "1.2.3.4", 4,
     "{\"url\":\"/a%20b/%E2%82%AC/%2F\",\"rawHeaders\":[\"X-Golden\",\"pathDecode\",\"Host\",\"h\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"1.2.3.4\",\"remotePort\":4}"},
    {"pathMalformed", "GET /a%zz%20b HTTP/1.1\015\012X-Golden: pathMalformed\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "::ffff:1234:5678", 5,
     "{\"url\":\"/a%zz%20b\",\"rawHeaders\":[\"X-Golden\",\"pathMalformed\",\"Host\",\"h\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"::ffff:1234:5678\",\"remotePort\":5}"},
    {"pathIncomplete", "GET /x%C3 HTTP/1.1\015\012X-Golden: pathIncomplete\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "::ffff:999.1.1.1", 6,
     "{\"url\":\"/x%C3\",\"rawHeaders\":[\"X-Golden\",\"pathIncomplete\",\"Host\",\"h\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"999.1.1.1\",\"remotePort\":6}"},
    {"pathSurrogate", "GET /x%ED%A0%80?s=%ED%A0%80 HTTP/1.1\015\012X-Golden: pathSurrogate\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "fe80::1", 7,
     "{\"url\":\"/x%ED%A0%80?s=%ED%A0%80\",\"rawHeaders\":[\"X-Golden\",\"pathSurrogate\",\"Host\",\"h\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"fe80::1\",\"remotePort\":7}"},
    {"fragment", "GET //a/../b#frag?x=1 HTTP/1.1\015\012X-Golden: fragment\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "", 0,
     "{\"url\":\"//a/../b#frag?x=1\",\"rawHeaders\":[\"X-Golden\",\"fragment\",\"Host\",\"h\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"\",\"remotePort\":0}"},
    {"numericKeys", "GET /n?10=a&2=b&x=c&01=d&4294967295=e&4294967294=f&0=g&2=h HTTP/1.1\015\012X-Golden: numericKeys\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "::ffff:0.0.0.0", 65535,
     "{\"url\":\"/n?10=a&2=b&x=c&01=d&4294967295=e&4294967294=f&0=g&2=h\",\"rawHeaders\":[\"X-Golden\",\"numericKeys\",\"Host\",\"h\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"0.0.0.0\",\"remotePort\":65535}"},
    {"protoKeys", "GET /?__proto__=1&constructor=2&__proto__=3 HTTP/1.1\015\012X-Golden: protoKeys\015\012Host: h\015\012__proto__: p\015\012Constructor: c\015\012Cookie: __proto__=x; toString=y\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "10.1.1.1", 8,
     "{\"url\":\"/?__proto__=1&constructor=2&__proto__=3\",\"rawHeaders\":[\"X-Golden\",\"protoKeys\",\"Host\",\"h\",\"__proto__\",\"p\",\"Constructor\",\"c\",\"Cookie\",\"__proto__=x; toString=y\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"10.1.1.1\",\"remotePort\":8}"},
    {"headers", "GET / HTTP/1.1\015\012X-Golden: headers\015\012Host: first\015\012host: second\015\012X-A: 1\015\012x-a: 2\015\012Cookie: a=1\015\012cookie: b=2\015\012Set-Cookie: s1\015\012set-cookie: s2\015\012123: n\015\0120: z\015\012User-Agent: u1\015\012User-Agent: u2\015\012X-Latin: caf\351 \240\015\012X-Empty:\015\012X-Spaces:   a  b   \015\012X-Quote: \"q\" \\ \011 tab\015\012Content-Type: t1\015\012Content-Type: t2\015\012Date: d1\015\012Date: d2\015\012Authorization: a1\015\012Authorization: a2\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "192.168.0.1", 9,
     "{\"url\":\"/\",\"rawHeaders\":[\"X-Golden\",\"headers\",\"Host\",\"first\",\"host\",\"second\",\"X-A\",\"1\",\"x-a\",\"2\",\"Cookie\",\"a=1\",\"cookie\",\"b=2\",\"Set-Cookie\",\"s1\",\"set-cookie\",\"s2\",\"123\",\"n\",\"0\",\"z\",\"User-Agent\",\"u1\",\"User-Agent\",\"u2\",\"X-Latin\",\"caf\303\251 \302\240\",\"X-Empty\",\"\",\"X-Spaces\",\"a  b\",\"X-Quote\",\"\\\"q\\\" \\\\ \\t tab\",\"Content-Type\",\"t1\",\"Content-Type\",\"t2\",\"Date\",\"d1\",\"Date\",\"d2\",\"Authorization\",\"a1\",\"Authorization\",\"a2\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"192.168.0.1\",\"remotePort\":9}"},
    {"cookies", "GET / HTTP/1.1\015\012X-Golden: cookies\015\012Host: h\015\012Cookie:  a = 1 ; b=\"q v\" ; c=%41%42; d=%zz; a=2; =x; noeq; e=\"; f=\"\"; g=%E9; h=\351%20; \240i\240=\240j\240; k==v; l=a=b; \"m\"=n\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "::ffff:127.0.0.1", 10,
     "{\"url\":\"/\",\"rawHeaders\":[\"X-Golden\",\"cookies\",\"Host\",\"h\",\"Cookie\",\"a = 1 ; b=\\\"q v\\\" ; c=%41%42; d=%zz; a=2; =x; noeq; e=\\\"; f=\\\"\\\"; g=%E9; h=\303\251%20; \302\240i\302\240=\302\240j\302\240; k==v; l=a=b; \\\"m\\\"=n\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"127.0.0.1\",\"remotePort\":10}"},
    {"emptyCookie", "GET / HTTP/1.1\015\012X-Golden: emptyCookie\015\012Host: h\015\012Cookie:\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "::ffff:127.0.0.1", 11,
     "{\"url\":\"/\",\"rawHeaders\":[\"X-Golden\",\"emptyCookie\",\"Host\",\"h\",\"Cookie\",\"\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"127.0.0.1\",\"remotePort\":11}"},
    {"upperQuery", "GET /?A=%41%4a%4A+%2b&b=%%41&c=%4 HTTP/1.1\015\012X-Golden: upperQuery\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "::ffff:127.0.0.1", 12,
     "{\"url\":\"/?A=%41%4a%4A+%2b&b=%%41&c=%4\",\"rawHeaders\":[\"X-Golden\",\"upperQuery\",\"Host\",\"h\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"127.0.0.1\",\"remotePort\":12}"},
    {"controlsInQuery", "GET /?a=%00%01%1f%7f%22%5C&%E2%80%A8=%F0%9F%98%80 HTTP/1.1\015\012X-Golden: controlsInQuery\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "::ffff:127.0.0.1", 13,
     "{\"url\":\"/?a=%00%01%1f%7f%22%5C&%E2%80%A8=%F0%9F%98%80\",\"rawHeaders\":[\"X-Golden\",\"controlsInQuery\",\"Host\",\"h\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"127.0.0.1\",\"remotePort\":13}"},
    {"http10", "GET /old HTTP/1.0\015\012X-Golden: http10\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "::ffff:127.0.0.1", 14,
     "{\"url\":\"/old\",\"rawHeaders\":[\"X-Golden\",\"http10\",\"Host\",\"h\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"127.0.0.1\",\"remotePort\":14}"},
    {"knownFields", "GET / HTTP/1.1\015\012X-Golden: knownFields\015\012Host: h\015\012ETag: e1\015\012ETag: e2\015\012From: f1\015\012from: f2\015\012Server: s1\015\012Server: s2\015\012Referer: r1\015\012Referer: r2\015\012Expires: x1\015\012Expires: x2\015\012Location: l1\015\012Location: l2\015\012Retry-After: 1\015\012Retry-After: 2\015\012Max-Forwards: 1\015\012Max-Forwards: 2\015\012Last-Modified: m1\015\012Last-Modified: m2\015\012If-Modified-Since: i1\015\012If-Modified-Since: i2\015\012Proxy-Authorization: p1\015\012Proxy-Authorization: p2\015\012If-Unmodified-Since: u1\015\012If-Unmodified-Since: u2\015\012Age: 1\015\012Age: 2\015\012Vary: v1\015\012Vary: v2\015\012Origin: o1\015\012Origin: o2\015\012Accept: a1\015\012Accept: a2\015\012Sec-WebSocket-Extensions: e1\015\012Sec-WebSocket-Extensions: e2\015\012X-Forwarded-For: 1\015\012X-Forwarded-For: 2\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "::ffff:127.0.0.1", 16,
     "{\"url\":\"/\",\"rawHeaders\":[\"X-Golden\",\"knownFields\",\"Host\",\"h\",\"ETag\",\"e1\",\"ETag\",\"e2\",\"From\",\"f1\",\"from\",\"f2\",\"Server\",\"s1\",\"Server\",\"s2\",\"Referer\",\"r1\",\"Referer\",\"r2\",\"Expires\",\"x1\",\"Expires\",\"x2\",\"Location\",\"l1\",\"Location\",\"l2\",\"Retry-After\",\"1\",\"Retry-After\",\"2\",\"Max-Forwards\",\"1\",\"Max-Forwards\",\"2\",\"Last-Modified\",\"m1\",\"Last-Modified\",\"m2\",\"If-Modified-Since\",\"i1\",\"If-Modified-Since\",\"i2\",\"Proxy-Authorization\",\"p1\",\"Proxy-Authorization\",\"p2\",\"If-Unmodified-Since\",\"u1\",\"If-Unmodified-Since\",\"u2\",\"Age\",\"1\",\"Age\",\"2\",\"Vary\",\"v1\",\"Vary\",\"v2\",\"Origin\",\"o1\",\"Origin\",\"o2\",\"Accept\",\"a1\",\"Accept\",\"a2\",\"Sec-WebSocket-Extensions\",\"e1\",\"Sec-WebSocket-Extensions\",\"e2\",\"X-Forwarded-For\",\"1\",\"X-Forwarded-For\",\"2\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"127.0.0.1\",\"remotePort\":16}"},
    {"multiSpaceTarget", "GET  /x?a=1 HTTP/1.1\015\012X-Golden: multiSpaceTarget\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "::ffff:127.0.0.1", 17,
     "{\"url\":\"/x?a=1\",\"rawHeaders\":[\"X-Golden\",\"multiSpaceTarget\",\"Host\",\"h\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"127.0.0.1\",\"remotePort\":17}"},
    {"noSpaceValue", "GET /x HTTP/1.1\015\012X-Golden: noSpaceValue\015\012Host:h\015\012X-Tab:\011\011v\011\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "::ffff:127.0.0.1", 18,
     "{\"url\":\"/x\",\"rawHeaders\":[\"X-Golden\",\"noSpaceValue\",\"Host\",\"h\",\"X-Tab\",\"v\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"127.0.0.1\",\"remotePort\":18}"},
    {"absoluteTarget", "GET http://example.com/x?y=1 HTTP/1.1\015\012X-Golden: absoluteTarget\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012", "::ffff:127.0.0.1", 15,
     "{\"url\":\"http://example.com/x?y=1\",\"rawHeaders\":[\"X-Golden\",\"absoluteTarget\",\"Host\",\"h\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\",\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"127.0.0.1\",\"remotePort\":15}"},
};

const RefusalGolden kRefusals[] = {
    {"post", "POST / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012Content-Length: 0\015\012\015\012"s,
     "HTTP/1.1 405 Method Not Allowed\015\012Connection: close\015\012Content-Type: text/html\015\012Content-Length: 19\015\012\015\012Invalid HTTP method"s},
    {"badUpgrade", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: foo\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012Content-Type: text/html\015\012Content-Length: 22\015\012\015\012Invalid Upgrade header"s},
    {"badKey", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: abc\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012Content-Type: text/html\015\012Content-Length: 43\015\012\015\012Missing or invalid Sec-WebSocket-Key header"s},
    {"badVersion", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 12\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012Content-Type: text/html\015\012Content-Length: 47\015\012Sec-WebSocket-Version: 13, 8\015\012\015\012Missing or invalid Sec-WebSocket-Version header"s},
    {"badProtocol", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012Sec-WebSocket-Protocol: a, , b\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012Content-Type: text/html\015\012Content-Length: 37\015\012\015\012Invalid Sec-WebSocket-Protocol header"s},
    {"protocol", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012Sec-WebSocket-Protocol: chat, super\015\012\015\012"s,
     "HTTP/1.1 101 Switching Protocols\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\015\012Sec-WebSocket-Protocol: chat\015\012\015\012"s},
    {"version8", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: WebSocket\015\012Connection: keep-alive, upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 8\015\012\015\012"s,
     "HTTP/1.1 101 Switching Protocols\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\015\012\015\012"s},
    {"noHost", "GET / HTTP/1.1\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     "HTTP/1.1 101 Switching Protocols\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\015\012\015\012"s},
    {"unknownMethod", "FOO / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012\015\012"s},
    {"lowerMethod", "get / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012\015\012"s},
    {"version12", "GET / HTTP/1.2\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012\015\012"s},
    {"relativeTarget", "GET x HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012\015\012"s},
    {"spaceBeforeColon", "GET / HTTP/1.1\015\012Host : h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012\015\012"s},
    {"obsFold", "GET / HTTP/1.1\015\012Host: h\015\012X: a\015\012 b\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012\015\012"s},
    {"controlInValue", "GET / HTTP/1.1\015\012Host: h\015\012X: a\001b\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012\015\012"s},
    {"delInValue", "GET / HTTP/1.1\015\012Host: h\015\012X: a\177b\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012\015\012"s},
    {"badNameChar", "GET / HTTP/1.1\015\012Host: h\015\012X(y): 1\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012\015\012"s},
    {"twoContentLengths", "GET / HTTP/1.1\015\012Host: h\015\012Content-Length: 0\015\012Content-Length: 0\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012\015\012"s},
    {"connect", "CONNECT h:1 HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     ""s},
    {"duplicateKey", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012Content-Type: text/html\015\012Content-Length: 43\015\012\015\012Missing or invalid Sec-WebSocket-Key header"s},
    {"versionHex", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 0xd\015\012\015\012"s,
     "HTTP/1.1 101 Switching Protocols\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\015\012\015\012"s},
    {"versionFloat", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 1.3e1\015\012\015\012"s,
     "HTTP/1.1 101 Switching Protocols\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\015\012\015\012"s},
    {"versionNbsp", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: \2408\240\015\012\015\012"s,
     "HTTP/1.1 101 Switching Protocols\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\015\012\015\012"s},
    {"versionMissing", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012Content-Type: text/html\015\012Content-Length: 47\015\012Sec-WebSocket-Version: 13, 8\015\012\015\012Missing or invalid Sec-WebSocket-Version header"s},
    {"twoUpgrades", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012Content-Type: text/html\015\012Content-Length: 22\015\012\015\012Invalid Upgrade header"s},
    {"protocolTrailingSpace", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012Sec-WebSocket-Protocol: a, b\011\015\012\015\012"s,
     "HTTP/1.1 101 Switching Protocols\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\015\012Sec-WebSocket-Protocol: a\015\012\015\012"s},
    {"protocolDuplicate", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012Sec-WebSocket-Protocol: a, a\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012Content-Type: text/html\015\012Content-Length: 37\015\012\015\012Invalid Sec-WebSocket-Protocol header"s},
    {"protocolTwoHeaders", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012Sec-WebSocket-Protocol: x\015\012Sec-WebSocket-Protocol: y\015\012\015\012"s,
     "HTTP/1.1 101 Switching Protocols\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\015\012Sec-WebSocket-Protocol: x\015\012\015\012"s},
    {"protocolSpacesInside", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012Sec-WebSocket-Protocol: a  ,b\015\012\015\012"s,
     "HTTP/1.1 101 Switching Protocols\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\015\012Sec-WebSocket-Protocol: a\015\012\015\012"s},
    {"protocolEmpty", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012Sec-WebSocket-Protocol:\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012Content-Type: text/html\015\012Content-Length: 37\015\012\015\012Invalid Sec-WebSocket-Protocol header"s},
    {"keyWithSpaceInside", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ= =\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012Content-Type: text/html\015\012Content-Length: 43\015\012\015\012Missing or invalid Sec-WebSocket-Key header"s},
    {"leadingEmptyLines", "\015\012\015\012GET / HTTP/1.1\015\012Host: h\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     "HTTP/1.1 101 Switching Protocols\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\015\012\015\012"s},
    {"upgradeCase", "GET / HTTP/1.1\015\012Host: h\015\012Upgrade: WEBSOCKET\015\012Connection: UPGRADE\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     "HTTP/1.1 101 Switching Protocols\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\015\012\015\012"s},
    {"http10Upgrade", "GET / HTTP/1.0\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\015\012Sec-WebSocket-Version: 13\015\012\015\012"s,
     "HTTP/1.1 101 Switching Protocols\015\012Upgrade: websocket\015\012Connection: Upgrade\015\012Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\015\012\015\012"s},
    {"badHeader", "GET / HTTP/1.1\015\012Host h\015\012\015\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012\015\012"s},
    {"bareLf", "GET / HTTP/1.1\012Host: h\012\012"s,
     "HTTP/1.1 400 Bad Request\015\012Connection: close\015\012\015\012"s},
    {"tooLarge", "<long>"s,
     "HTTP/1.1 431 Request Header Fields Too Large\015\012Connection: close\015\012\015\012"s},
};
// clang-format on

HttpRequestParser::Status parseAll(HttpRequestParser& parser, const std::string& bytes, bool byteByByte) {
  size_t used = 0;
  if (!byteByByte) return parser.feed(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &used);
  HttpRequestParser::Status status = HttpRequestParser::Status::Incomplete;
  for (size_t i = 0; i < bytes.size() && status == HttpRequestParser::Status::Incomplete; i++) {
    status = parser.feed(reinterpret_cast<const uint8_t*>(bytes.data()) + i, 1, &used);
  }
  return status;
}

}  // namespace

TEST(handshake_raw_payload_goldens) {
  for (const HandshakeGolden& g : kHandshakes) {
    for (bool byteByByte : {false, true}) {
      HttpRequestParser parser;
      HttpRequestParser::Status status = parseAll(parser, g.request, byteByByte);
      if (g.json.rfind("<none: ", 0) == 0) {
        if (status != HttpRequestParser::Status::Failed || parser.errorStatus() != 400) {
          gh_test::fail(__FILE__, __LINE__, std::string(g.name) + ": Node refused it with 400");
        }
        continue;
      }
      if (status != HttpRequestParser::Status::Complete) {
        gh_test::fail(__FILE__, __LINE__, std::string(g.name) + ": not parsed, status " + std::to_string(parser.errorStatus()));
        continue;
      }
      CHECK(isUpgradeRequest(parser.request()));
      std::string response;
      CHECK(answerUpgrade(parser.request(), &response));
      std::string json = rawHandshakeJson(parser.request(), g.remoteAddress, g.remotePort);
      if (json != g.json) gh_test::fail(__FILE__, __LINE__, std::string(g.name) + ":\n  " + json + "\n  " + g.json);
    }
  }
}

TEST(handshake_raw_payload) {
  // The head as sent: names in their case, repeats kept, bytes as latin1 code points, the address made plain.
  std::string request =
      "GET /caf%C3%A9?a=1&a=2#f HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: caf\xe9\r\nCookie: a=1\r\n"
      "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n";
  HttpRequestParser parser;
  CHECK(parseAll(parser, request, false) == HttpRequestParser::Status::Complete);
  CHECK_EQ(rawHandshakeJson(parser.request(), "::ffff:10.0.0.7", 50123),
           std::string("{\"url\":\"/caf%C3%A9?a=1&a=2#f\",\"rawHeaders\":[\"Host\",\"h\",\"X-A\",\"1\",\"x-a\",\"caf\xc3\xa9\","
                       "\"Cookie\",\"a=1\",\"Upgrade\",\"websocket\",\"Connection\",\"Upgrade\",\"Sec-WebSocket-Key\","
                       "\"dGhlIHNhbXBsZSBub25jZQ==\",\"Sec-WebSocket-Version\",\"13\"],\"remoteAddress\":\"10.0.0.7\","
                       "\"remotePort\":50123}"));
}

TEST(handshake_refusal_goldens) {
  for (const RefusalGolden& g : kRefusals) {
    std::string request = g.request;
    if (request == "<long>") request = "GET / HTTP/1.1\r\nX: " + std::string(17000, 'a') + "\r\n\r\n";
    HttpRequestParser parser;
    size_t used = 0;
    HttpRequestParser::Status status = parser.feed(reinterpret_cast<const uint8_t*>(request.data()), request.size(), &used);
    std::string answer;
    if (status == HttpRequestParser::Status::Failed) {
      answer = parser.errorResponse();
    } else if (status == HttpRequestParser::Status::Complete) {
      CHECK(isUpgradeRequest(parser.request()));
      bool accepted = answerUpgrade(parser.request(), &answer);
      CHECK_EQ(accepted, answer.rfind("HTTP/1.1 101 ", 0) == 0);
    } else {
      answer = "<incomplete>";
    }
    if (answer != g.answer) gh_test::fail(__FILE__, __LINE__, std::string(g.name) + ":\n  " + answer + "\n  " + g.answer);
  }
}

TEST(handshake_accept_key_rfc6455_example) {
  CHECK_EQ(webSocketAccept("dGhlIHNhbXBsZSBub25jZQ=="), std::string("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
  CHECK_EQ(serviceUnavailableResponse(),
           std::string_view("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"));
}

TEST(handshake_normalize_address) {
  CHECK_EQ(normalizeAddress("::ffff:1.2.3.4"), std::string("1.2.3.4"));
  CHECK_EQ(normalizeAddress("::FFFF:10.0.0.255"), std::string("10.0.0.255"));
  CHECK_EQ(normalizeAddress("::ffff:1234.1.1.1"), std::string("::ffff:1234.1.1.1"));
  CHECK_EQ(normalizeAddress("::ffff:1.2.3"), std::string("::ffff:1.2.3"));
  CHECK_EQ(normalizeAddress("::ffff:1.2.3.4.5"), std::string("::ffff:1.2.3.4.5"));
  CHECK_EQ(normalizeAddress("::ffff:1.2.3.4 "), std::string("::ffff:1.2.3.4 "));
  CHECK_EQ(normalizeAddress("::1"), std::string("::1"));
  CHECK_EQ(normalizeAddress(""), std::string(""));
  CHECK_EQ(normalizeAddress("1.2.3.4"), std::string("1.2.3.4"));
}

TEST(upgrade_detection_as_node) {
  auto parse = [](const std::string& text, HttpRequest* out) {
    HttpRequestParser parser;
    size_t used;
    bool ok = parser.feed(reinterpret_cast<const uint8_t*>(text.data()), text.size(), &used) == HttpRequestParser::Status::Complete;
    *out = parser.request();
    return ok;
  };
  HttpRequest r;
  CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n", &r));
  CHECK(isUpgradeRequest(r));
  CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n", &r));
  CHECK(!isUpgradeRequest(r));  // no "upgrade" in Connection: a plain request
  CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: upgradex\r\nUpgrade: x\r\n\r\n", &r));
  CHECK(!isUpgradeRequest(r));
  CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: x, Upgrade \r\nUpgrade: x\r\n\r\n", &r));
  CHECK(isUpgradeRequest(r));
  CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: x\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n", &r));
  CHECK(isUpgradeRequest(r));
}

TEST(http_parser_incremental_with_trailing_bytes) {
  std::string head = "GET /chat HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
  std::string stream = head + "\x81\x80" "abcd";
  HttpRequestParser parser;
  size_t used = 0;
  // First part: incomplete, all bytes taken.
  CHECK(parser.feed(reinterpret_cast<const uint8_t*>(stream.data()), 10, &used) == HttpRequestParser::Status::Incomplete);
  CHECK_EQ(used, size_t{10});
  CHECK(parser.feed(reinterpret_cast<const uint8_t*>(stream.data()) + 10, stream.size() - 10, &used) ==
        HttpRequestParser::Status::Complete);
  CHECK_EQ(used, head.size() - 10);  // the WebSocket bytes are not the head's
  CHECK_EQ(parser.request().method, std::string("GET"));
  CHECK_EQ(parser.request().target, std::string("/chat"));
  CHECK_EQ(parser.request().versionMinor, 1);
  CHECK_EQ(parser.request().headers.size(), size_t{3});
  CHECK_EQ(parser.request().headers[1].name, std::string("Connection"));
  // After Complete nothing more is taken until reset().
  CHECK(parser.feed(reinterpret_cast<const uint8_t*>("x"), 1, &used) == HttpRequestParser::Status::Complete);
  CHECK_EQ(used, size_t{0});
  parser.reset();
  std::string next = "GET /b HTTP/1.0\r\n\r\n";
  CHECK(parser.feed(reinterpret_cast<const uint8_t*>(next.data()), next.size(), &used) == HttpRequestParser::Status::Complete);
  CHECK_EQ(parser.request().target, std::string("/b"));
  CHECK_EQ(parser.request().versionMinor, 0);
  CHECK(!parser.request().keepAlive());
}

TEST(http_parser_bounds) {
  // 100 headers are fine, 101 are a 431.
  std::string head = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 99; i++) head += "X-" + std::to_string(i) + ": v\r\n";
  HttpRequestParser ok;
  size_t used;
  std::string full = head + "Host: h\r\n\r\n";
  CHECK(ok.feed(reinterpret_cast<const uint8_t*>(full.data()), full.size(), &used) == HttpRequestParser::Status::Complete);
  CHECK_EQ(ok.request().headers.size(), size_t{100});
  HttpRequestParser tooMany;
  std::string over = head + "Host: h\r\nX-last: v\r\n\r\n";
  CHECK(tooMany.feed(reinterpret_cast<const uint8_t*>(over.data()), over.size(), &used) == HttpRequestParser::Status::Failed);
  CHECK_EQ(tooMany.errorStatus(), 431);
  // A head of exactly 16 KiB is taken, one byte more is a 431, even in small pieces.
  std::string prefix = "GET / HTTP/1.1\r\nHost: h\r\nX: ";
  std::string exact = prefix + std::string(16 * 1024 - prefix.size() - 4, 'a') + "\r\n\r\n";
  CHECK_EQ(exact.size(), size_t{16 * 1024});
  HttpRequestParser atLimit;
  CHECK(atLimit.feed(reinterpret_cast<const uint8_t*>(exact.data()), exact.size(), &used) == HttpRequestParser::Status::Complete);
  std::string longer = prefix + std::string(16 * 1024 - prefix.size() - 3, 'a') + "\r\n\r\n";
  HttpRequestParser overLimit;
  HttpRequestParser::Status status = HttpRequestParser::Status::Incomplete;
  for (size_t i = 0; i < longer.size() && status == HttpRequestParser::Status::Incomplete; i += 1000) {
    status = overLimit.feed(reinterpret_cast<const uint8_t*>(longer.data()) + i, std::min<size_t>(1000, longer.size() - i), &used);
  }
  CHECK(status == HttpRequestParser::Status::Failed);
  CHECK_EQ(overLimit.errorStatus(), 431);
  CHECK_EQ(overLimit.errorResponse(), std::string("HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n"));
}

TEST(http_parser_fails_early_on_a_bare_lf) {
  HttpRequestParser parser;
  size_t used;
  CHECK(parser.feed(reinterpret_cast<const uint8_t*>("GET / HTTP/1.1\n"), 15, &used) == HttpRequestParser::Status::Failed);
  CHECK_EQ(parser.errorStatus(), 400);
  HttpRequestParser cr;
  CHECK(cr.feed(reinterpret_cast<const uint8_t*>("GET /\rx"), 7, &used) == HttpRequestParser::Status::Failed);
}

TEST(http_request_helpers) {
  HttpRequest r;
  r.headers = {{"Content-Length", "5"}, {"Cookie", "a=1"}, {"cookie", "b=2"}, {"X", "1"}, {"x", "2"}, {"Host", "h1"}, {"host", "h2"}};
  std::string v;
  CHECK(r.nodeValue("cookie", &v));
  CHECK_EQ(v, std::string("a=1; b=2"));
  CHECK(r.nodeValue("x", &v));
  CHECK_EQ(v, std::string("1, 2"));
  CHECK(r.nodeValue("host", &v));
  CHECK_EQ(v, std::string("h1"));
  CHECK(!r.nodeValue("missing", &v));
  CHECK(r.hasBody());
  r.headers[0].value = "000";
  CHECK(!r.hasBody());
  CHECK(r.keepAlive());
  r.headers.push_back({"Connection", "Close"});
  CHECK(!r.keepAlive());
  CHECK(r.find("CONNECTION") != nullptr);
}

TEST(http_parser_versions_as_llhttp) {
  struct Case {
    const char* version;
    bool taken;
  } cases[] = {{"0.9", true}, {"1.0", true}, {"1.1", true}, {"2.0", true}, {"1.2", false}, {"2.1", false}, {"3.0", false}, {"1.01", false}, {"11.1", false}};
  for (const Case& c : cases) {
    std::string text = std::string("GET / HTTP/") + c.version + "\r\nHost: h\r\n\r\n";
    HttpRequestParser parser;
    size_t used;
    HttpRequestParser::Status status = parser.feed(reinterpret_cast<const uint8_t*>(text.data()), text.size(), &used);
    CHECK_EQ(status == HttpRequestParser::Status::Complete, c.taken);
    if (!c.taken) {
      CHECK_EQ(parser.errorStatus(), 400);
      continue;
    }
    // Only HTTP/1.1 stays open without asking.
    CHECK_EQ(parser.request().keepAlive(), std::string(c.version) == "1.1");
  }
}
