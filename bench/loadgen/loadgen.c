/*
 * loadgen: one load-generator process of the benchmark (bench/run.js starts
 * several, because one process may hold at most 20,000 open files here).
 *
 * It holds --conns client connections to a text or WebSocket listener, each
 * bound to a source address spread over 127.0.0.0/8 (so 10,000+ connections
 * never run out of ephemeral ports on one address pair), and counts the
 * messages they receive. Two active modes drive the server under test:
 *   broadcast: every connection keeps --window broadcast requests outstanding
 *              ("b <seq> ..."); a request is done when its copy comes back;
 *              with --rate R, requests go out at R per second instead (an
 *              open loop, still capped by the window), to measure what a
 *              fixed load costs the server;
 *   probe:     every connection sends "p <ns> ..." each --interval-ms and
 *              records the round trip when the echo comes back;
 *   echo:      every connection keeps --window "p <ns> ..." requests
 *              outstanding (a closed loop: saturation) and records each
 *              round trip.
 * --kind C makes requests start with C instead ('u' and 'g' ask the bench app
 * for sendToUid and sendToGroup; the sender gets its own copy back), and
 * --hello TEXT sends one line as soon as a connection is open (e.g. "j" to
 * join the bench app's group). --chat-base N speaks the chat demo
 * (examples/chat): connection i logs in as "n<N+i>" and its probe requests
 * are private lines to itself ("n<N+i>:p <ns> …"), timed when the
 * "n<N+i> (private): p <ns> …" copy comes back.
 *   storm:     the connections open at --connect-rate per second (paced on
 *              the clock, however many handshakes are in flight), and each
 *              records the time from its connect() call to its first line
 *              starting "welcome"; "broadcast" on stdin makes the first open
 *              connection send "b storm", and the stats count the
 *              connections that received a line starting "b " (bench/storm.js,
 *              test/e2e/connect-storm.test.ts).
 * C rather than Node, so that on a 2-core machine the load generator takes as
 * little CPU as possible away from the server it measures.
 *
 * Control: lines on stdin ("start", "stop", "reset", "stats", "quit"); every
 * answer and the "ready" notice are one JSON line on stdout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum { MODE_IDLE, MODE_BROADCAST, MODE_PROBE, MODE_ECHO, MODE_STORM };
enum { ST_CONNECTING, ST_HANDSHAKE, ST_OPEN, ST_CLOSED };

#define MAX_CONNS 19000
#define HS_MAX 1024
#define LINE_MAX_BYTES 512
#define MAX_SAMPLES (4u << 20)
#define READ_BUF (256 * 1024)

struct conn {
  int fd;
  uint8_t state;
  uint8_t hlen;      /* WebSocket frame header bytes gathered */
  uint8_t hdr[14];
  uint8_t opcode;
  uint64_t need;     /* WebSocket payload bytes still to come in the current frame */
  char *hs;          /* handshake answer gathered so far (WebSocket only, freed once open) */
  uint16_t hslen;
  char line[LINE_MAX_BYTES]; /* the current message's first bytes (probe mode only) */
  uint16_t llen;
  uint64_t sent, received, next_send_ns, last_progress_ns;
  uint64_t connect_ns;    /* storm: when connect() was called */
  uint8_t welcomed, got_broadcast;
};

static struct {
  const char *host;
  int port, ws, conns, mode, window, interval_ms, size, max_inflight, per_src, rate, connect_rate;
  uint32_t src_first;
  char kind;         /* first letter of each request; 0: 'b' when broadcasting, 'p' otherwise */
  const char *hello; /* sent once when a connection opens, or NULL */
  int chat_base;     /* ≥ 0: the chat demo's protocol, nicknames from n<chat_base> */
} opt = {"127.0.0.1", 0, 0, 1, MODE_IDLE, 8, 20, 64, 200, 1000, 0, 0, 0x7f010001u, 0, NULL, -1};

static char request_kind(void) { return opt.kind ? opt.kind : opt.mode == MODE_BROADCAST ? 'b' : 'p'; }
static int timed(void) { return opt.mode == MODE_PROBE || opt.mode == MODE_ECHO; }
/* Modes that keep the first bytes of each message and collect latency samples. */
static int sampling(void) { return timed() || opt.mode == MODE_STORM; }

static struct conn *conns;
static int ep, started, opened, failed, closed, inflight, next_connect, ready_said;
static uint64_t total_received, total_bytes, total_sent, stalls, send_errors;
static uint64_t first_connect_ns, last_connect_ns, broadcast_received;
static uint32_t *samples;
static size_t nsamples;
static uint8_t rbuf[READ_BUF];

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void close_conn(struct conn *c) {
  if (c->state == ST_CLOSED) return;
  if (c->state == ST_CONNECTING) inflight--;
  if (c->state == ST_OPEN) closed++; else failed++;
  c->state = ST_CLOSED;
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->hs);
  c->hs = NULL;
}

/* Sends one message; small and rare enough that a full socket buffer is counted, not queued. */
static void send_message(struct conn *c, const char *text, size_t n) {
  uint8_t frame[LINE_MAX_BYTES + 16];
  size_t len = 0;
  if (n > LINE_MAX_BYTES - 2) n = LINE_MAX_BYTES - 2;
  if (opt.ws) {
    static const uint8_t mask[4] = {0x5a, 0xc3, 0x91, 0x17};
    frame[len++] = 0x81;
    if (n < 126) frame[len++] = 0x80 | (uint8_t)n;
    else { frame[len++] = 0x80 | 126; frame[len++] = (uint8_t)(n >> 8); frame[len++] = (uint8_t)n; }
    memcpy(frame + len, mask, 4);
    len += 4;
    for (size_t i = 0; i < n; i++) frame[len + i] = (uint8_t)text[i] ^ mask[i & 3];
    len += n;
  } else {
    memcpy(frame, text, n);
    frame[n] = '\n';
    len = n + 1;
  }
  ssize_t w = send(c->fd, frame, len, MSG_NOSIGNAL);
  if (w != (ssize_t)len) { send_errors++; return; }
  c->sent++;
  total_sent++;
}

/* An empty masked pong: servers that ping (uWS with idleTimeout) only check that one comes back. */
static void send_pong(struct conn *c) {
  static const uint8_t pong[6] = {0x8a, 0x80, 0, 0, 0, 0};
  if (send(c->fd, pong, sizeof pong, MSG_NOSIGNAL) != (ssize_t)sizeof pong) send_errors++;
}

/* The line a connection sends once open: --hello, or its chat nickname. */
static void say_hello(struct conn *c) {
  char nick[32];
  if (opt.chat_base >= 0) send_message(c, nick, (size_t)snprintf(nick, sizeof nick, "n%d", opt.chat_base + (int)(c - conns)));
  else if (opt.hello) send_message(c, opt.hello, strlen(opt.hello));
}

static void send_request(struct conn *c, char kind, uint64_t value) {
  char text[LINE_MAX_BYTES];
  int n = opt.chat_base >= 0
              ? snprintf(text, sizeof text, "n%d:%c %llu ", opt.chat_base + (int)(c - conns), kind, (unsigned long long)value)
              : snprintf(text, sizeof text, "%c %llu ", kind, (unsigned long long)value);
  int want = opt.size < (int)sizeof text - 1 ? opt.size : (int)sizeof text - 1;
  while (n < want) text[n++] = 'x';
  send_message(c, text, (size_t)n);
}

static void drive(struct conn *c, uint64_t now) {
  if (!started || c->state != ST_OPEN) return;
  if (opt.mode == MODE_BROADCAST) {
    /* A copy lost to a slow-consumer drop must not stall the window forever. */
    if (c->sent > c->received && now - c->last_progress_ns > 1000000000u) {
      stalls++;
      c->received = c->sent;
      c->last_progress_ns = now;
    }
    if (opt.rate > 0) {
      if (now >= c->next_send_ns && c->sent - c->received < (uint64_t)opt.window) {
        send_request(c, 'b', c->sent);
        c->next_send_ns += 1000000000u / (uint64_t)opt.rate;
        if (c->next_send_ns < now) c->next_send_ns = now; /* behind: no burst to catch up */
      }
      return;
    }
    while (c->sent - c->received < (uint64_t)opt.window) {
      uint64_t before = c->sent;
      send_request(c, request_kind(), c->sent);
      if (c->sent == before) break;
      c->last_progress_ns = now;
    }
  } else if (opt.mode == MODE_ECHO) {
    if (c->sent > c->received && now - c->last_progress_ns > 1000000000u) {
      stalls++;
      c->received = c->sent;
      c->last_progress_ns = now;
    }
    while (c->sent - c->received < (uint64_t)opt.window) {
      uint64_t before = c->sent;
      send_request(c, request_kind(), now);
      if (c->sent == before) break;
    }
  } else if (opt.mode == MODE_PROBE && now >= c->next_send_ns) {
    send_request(c, request_kind(), now);
    c->next_send_ns = now + (uint64_t)opt.interval_ms * 1000000u;
  }
}

/* One whole message received on c; c->line holds its first bytes when probing. */
static void on_message(struct conn *c, uint64_t now) {
  c->received++;
  total_received++;
  c->last_progress_ns = now;
  if (opt.mode == MODE_STORM) {
    if (!c->welcomed && c->llen >= 7 && memcmp(c->line, "welcome", 7) == 0) {
      c->welcomed = 1;
      if (nsamples < MAX_SAMPLES) samples[nsamples++] = (uint32_t)((now - c->connect_ns) / 1000u);
    } else if (!c->got_broadcast && c->llen >= 2 && c->line[0] == 'b' && c->line[1] == ' ') {
      c->got_broadcast = 1;
      broadcast_received++;
    }
  }
  const char *request = NULL;
  if (timed() && c->llen > 2) {
    c->line[c->llen < LINE_MAX_BYTES ? c->llen : LINE_MAX_BYTES - 1] = 0;
    if (opt.chat_base < 0) request = c->line[0] == request_kind() ? c->line : NULL;
    else if ((request = strstr(c->line, " (private): ")) != NULL) request += 12;
  }
  if (request != NULL && request[0] == request_kind() && request[1] == ' ') {
    uint64_t t = strtoull(request + 2, NULL, 10);
    if (t > 0 && t <= now && nsamples < MAX_SAMPLES) samples[nsamples++] = (uint32_t)((now - t) / 1000u);
  }
  c->llen = 0;
}

static void keep_head(struct conn *c, const uint8_t *p, size_t n) {
  if (!sampling()) return;
  size_t room = LINE_MAX_BYTES - 1 - c->llen;
  if (n > room) n = room;
  memcpy(c->line + c->llen, p, n);
  c->llen += (uint16_t)n;
}

static void feed_text(struct conn *c, const uint8_t *p, size_t n, uint64_t now) {
  while (n > 0) {
    const uint8_t *nl = memchr(p, '\n', n);
    if (!nl) { keep_head(c, p, n); return; }
    keep_head(c, p, (size_t)(nl - p));
    on_message(c, now);
    n -= (size_t)(nl - p) + 1;
    p = nl + 1;
  }
}

static void feed_ws(struct conn *c, const uint8_t *p, size_t n, uint64_t now) {
  while (n > 0) {
    if (c->need > 0) {
      size_t take = n < c->need ? n : (size_t)c->need;
      if (c->opcode != 9) keep_head(c, p, take);
      p += take; n -= take; c->need -= take;
      if (c->need == 0 && c->opcode != 9 && c->opcode != 10 && c->opcode != 8 && (c->hdr[0] & 0x80)) on_message(c, now);
      continue;
    }
    c->hdr[c->hlen++] = *p++;
    n--;
    if (c->hlen < 2) continue;
    size_t want = 2 + ((c->hdr[1] & 0x7f) == 126 ? 2 : (c->hdr[1] & 0x7f) == 127 ? 8 : 0) + ((c->hdr[1] & 0x80) ? 4 : 0);
    if (c->hlen < want) continue;
    uint64_t len = c->hdr[1] & 0x7f;
    if (len == 126) len = ((uint64_t)c->hdr[2] << 8) | c->hdr[3];
    else if (len == 127) { len = 0; for (int i = 2; i < 10; i++) len = (len << 8) | c->hdr[i]; }
    c->hlen = 0;
    uint8_t op = c->hdr[0] & 0x0f;
    if (op != 0) c->opcode = op;
    if (op == 8) { close_conn(c); return; }
    if (op == 9) send_pong(c);
    c->need = len;
    if (len == 0 && op != 9 && op != 10 && (c->hdr[0] & 0x80)) on_message(c, now);
  }
}

static void on_readable(struct conn *c, uint64_t now) {
  ssize_t r = recv(c->fd, rbuf, sizeof rbuf, 0);
  if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) { close_conn(c); return; }
  if (r < 0) return;
  total_bytes += (uint64_t)r;
  const uint8_t *p = rbuf;
  size_t n = (size_t)r;
  if (c->state == ST_HANDSHAKE) {
    size_t take = n < (size_t)(HS_MAX - 1 - c->hslen) ? n : (size_t)(HS_MAX - 1 - c->hslen);
    memcpy(c->hs + c->hslen, p, take);
    c->hslen += (uint16_t)take;
    c->hs[c->hslen] = 0;
    char *end = strstr(c->hs, "\r\n\r\n");
    if (!end) { if (c->hslen >= HS_MAX - 1) close_conn(c); return; }
    if (strncmp(c->hs, "HTTP/1.1 101", 12) != 0) { close_conn(c); return; }
    size_t used = (size_t)(end + 4 - c->hs) - (c->hslen - take);
    free(c->hs);
    c->hs = NULL;
    c->state = ST_OPEN;
    opened++;
    say_hello(c);
    p += used;
    n -= used;
  }
  if (opt.ws) feed_ws(c, p, n, now); else feed_text(c, p, n, now);
  drive(c, now);
}

static void on_connected(struct conn *c) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) { close_conn(c); return; }
  inflight--;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  if (opt.ws) {
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET / HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                     opt.host, opt.port);
    c->hs = malloc(HS_MAX);
    if (!c->hs || send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n) { close_conn(c); return; }
    c->state = ST_HANDSHAKE;
  } else {
    c->state = ST_OPEN;
    opened++;
    say_hello(c);
  }
}

static void start_connect(int i) {
  struct conn *c = &conns[i];
  memset(c, 0, sizeof *c);
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) die("socket");
  int one = 1;
  setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(opt.src_first + (uint32_t)(i / opt.per_src))};
  if (bind(c->fd, (struct sockaddr *)&src, sizeof src) < 0) die("bind to the source address");
  struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port)};
  inet_pton(AF_INET, opt.host, &dst.sin_addr);
  c->state = ST_CONNECTING;
  c->connect_ns = now_ns();
  if (first_connect_ns == 0) first_connect_ns = c->connect_ns;
  last_connect_ns = c->connect_ns;
  inflight++;
  struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
  if (connect(c->fd, (struct sockaddr *)&dst, sizeof dst) < 0 && errno != EINPROGRESS) close_conn(c);
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static void print_stats(void) {
  qsort(samples, nsamples, sizeof *samples, cmp_u32);
#define PCT(q) (nsamples ? samples[(size_t)((double)(nsamples - 1) * (q))] : 0)
  printf("{\"connected\":%d,\"failed\":%d,\"closed\":%d,\"received\":%llu,\"bytes\":%llu,\"sent\":%llu,\"stalls\":%llu,"
         "\"sendErrors\":%llu,\"latencyUs\":{\"n\":%zu,\"p50\":%u,\"p90\":%u,\"p99\":%u,\"p999\":%u,\"max\":%u},"
         "\"broadcastReceived\":%llu,\"connectSpanUs\":%llu}\n",
         opened - closed, failed, closed, (unsigned long long)total_received, (unsigned long long)total_bytes,
         (unsigned long long)total_sent, (unsigned long long)stalls, (unsigned long long)send_errors, nsamples, PCT(0.5),
         PCT(0.9), PCT(0.99), PCT(0.999), nsamples ? samples[nsamples - 1] : 0, (unsigned long long)broadcast_received,
         (unsigned long long)((last_connect_ns - first_connect_ns) / 1000u));
  fflush(stdout);
}

static void on_command(char *line) {
  uint64_t now = now_ns();
  if (strncmp(line, "start", 5) == 0) {
    started = 1;
    for (int i = 0; i < opt.conns; i++) {
      conns[i].next_send_ns = now + (uint64_t)opt.interval_ms * 1000000u * (uint64_t)i / (uint64_t)opt.conns;
      conns[i].received = conns[i].sent; /* requests from before do not count against the window */
      conns[i].last_progress_ns = now;
      drive(&conns[i], now);
    }
  } else if (strncmp(line, "stop", 4) == 0) started = 0;
  else if (strncmp(line, "reset", 5) == 0) { total_received = total_bytes = total_sent = stalls = send_errors = 0; nsamples = 0; }
  else if (strncmp(line, "stats", 5) == 0) print_stats();
  else if (strncmp(line, "broadcast", 9) == 0) {
    for (int i = 0; i < opt.conns; i++) {
      if (conns[i].state != ST_OPEN) continue;
      send_message(&conns[i], "b storm", 7);
      break;
    }
  }
  else if (strncmp(line, "quit", 4) == 0) exit(0);
  if (strncmp(line, "stats", 5) != 0) { printf("{\"ok\":\"%.*s\"}\n", 9, line); fflush(stdout); }
}

static void read_stdin(void) {
  static char buf[4096];
  static size_t len;
  ssize_t r = read(0, buf + len, sizeof buf - 1 - len);
  if (r <= 0) exit(0); /* the orchestrator is gone */
  len += (size_t)r;
  char *start = buf, *nl;
  while ((nl = memchr(start, '\n', len - (size_t)(start - buf))) != NULL) {
    *nl = 0;
    on_command(start);
    start = nl + 1;
  }
  len -= (size_t)(start - buf);
  memmove(buf, start, len);
  if (len == sizeof buf - 1) len = 0;
}

static int arg_int(const char *v, int lo, int hi, const char *name) {
  char *end;
  long x = strtol(v, &end, 10);
  if (*end || x < lo || x > hi) { fprintf(stderr, "loadgen: %s must be %d..%d\n", name, lo, hi); exit(2); }
  return (int)x;
}

int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--host")) opt.host = v;
    else if (!strcmp(k, "--port")) opt.port = arg_int(v, 1, 65535, k);
    else if (!strcmp(k, "--proto")) opt.ws = !strcmp(v, "websocket");
    else if (!strcmp(k, "--conns")) opt.conns = arg_int(v, 1, MAX_CONNS, k);
    else if (!strcmp(k, "--mode")) opt.mode = !strcmp(v, "broadcast") ? MODE_BROADCAST : !strcmp(v, "probe") ? MODE_PROBE : !strcmp(v, "echo") ? MODE_ECHO : !strcmp(v, "storm") ? MODE_STORM : MODE_IDLE;
    else if (!strcmp(k, "--kind")) {
      if (strlen(v) != 1 || v[0] < 'a' || v[0] > 'z') { fprintf(stderr, "loadgen: --kind must be one lowercase letter\n"); return 2; }
      opt.kind = v[0];
    } else if (!strcmp(k, "--hello")) opt.hello = v;
    else if (!strcmp(k, "--chat-base")) opt.chat_base = arg_int(v, 0, 100000000, k);
    else if (!strcmp(k, "--connect-rate")) opt.connect_rate = arg_int(v, 1, 1000000, k);
    else if (!strcmp(k, "--window")) opt.window = arg_int(v, 1, 1 << 20, k);
    else if (!strcmp(k, "--interval-ms")) opt.interval_ms = arg_int(v, 1, 60000, k);
    else if (!strcmp(k, "--rate")) opt.rate = arg_int(v, 1, 100000, k);
    else if (!strcmp(k, "--size")) opt.size = arg_int(v, 8, LINE_MAX_BYTES - 16, k);
    else if (!strcmp(k, "--per-src")) opt.per_src = arg_int(v, 1, 20000, k);
    else if (!strcmp(k, "--src-first")) {
      struct in_addr a;
      if (inet_pton(AF_INET, v, &a) != 1 || (ntohl(a.s_addr) >> 24) != 127) { fprintf(stderr, "loadgen: --src-first must be in 127.0.0.0/8\n"); return 2; }
      opt.src_first = ntohl(a.s_addr);
    } else { fprintf(stderr, "loadgen: unknown option %s\n", k); return 2; }
  }
  if (opt.port == 0) { fprintf(stderr, "loadgen: --port is required\n"); return 2; }
  conns = calloc((size_t)opt.conns, sizeof *conns);
  samples = sampling() ? malloc(MAX_SAMPLES * sizeof *samples) : NULL;
  if (!conns || (sampling() && !samples)) die("malloc");
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  struct epoll_event sev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &sev);
  struct epoll_event evs[512];
  for (;;) {
    if (opt.connect_rate > 0) {
      /* Paced on the clock: as many connects as the rate allows by now, handshakes in flight or not. */
      if (first_connect_ns == 0) start_connect(next_connect++);
      uint64_t t = now_ns(); /* after the first connect: t - first_connect_ns must not wrap */
      uint64_t due = 1 + (t - first_connect_ns) * (uint64_t)opt.connect_rate / 1000000000u;
      while (next_connect < opt.conns && (uint64_t)next_connect < due) start_connect(next_connect++);
    } else {
      while (next_connect < opt.conns && inflight < opt.max_inflight) start_connect(next_connect++);
    }
    if (!ready_said && next_connect == opt.conns && inflight == 0 && opened + failed >= opt.conns) {
      printf("{\"event\":\"ready\",\"connected\":%d,\"failed\":%d}\n", opened - closed, failed + closed);
      fflush(stdout);
      ready_said = 1;
    }
    int paced = (started && (opt.mode == MODE_PROBE || opt.rate > 0)) || (opt.connect_rate > 0 && next_connect < opt.conns);
    int timeout = paced ? 1 : started ? 100 : 50;
    int n = epoll_wait(ep, evs, 512, timeout);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    uint64_t now = now_ns();
    for (int i = 0; i < n; i++) {
      struct conn *c = evs[i].data.ptr;
      if (!c) { read_stdin(); continue; }
      if (c->state == ST_CONNECTING) {
        if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connected(c);
      } else if (c->state != ST_CLOSED) {
        on_readable(c, now);
      }
    }
    if (started && (paced || n == 0)) for (int i = 0; i < opt.conns; i++) drive(&conns[i], now);
  }
}
