/*
 * loadgen: one load-generator process of the benchmark (bench/run.js starts
 * several, because one process may hold at most 20,000 open files here).
 *
 * It holds --conns client connections to one listener, each bound to a
 * source address spread over 127.0.0.0/8 (so 10,000+ connections never run
 * out of ephemeral ports on one address pair), and counts the messages they
 * receive. --proto (or --protocol) says what they speak:
 *   text:      newline-delimited lines (the default);
 *   frame:     gatehouse's `frame` codec: a length header, then the payload
 *              (--frame-header-size 4, --frame-endian big and
 *              --frame-length-includes-header 0 by default, as in
 *              src/config/defaults.ts: the length counts the payload only);
 *   websocket: an HTTP upgrade to --path (default /), masked client text
 *              frames, server frames parsed; a ping frame gets a pong frame
 *              carrying its payload;
 *   socketio:  Socket.IO v4 over Engine.IO v4 over WebSocket: the upgrade to
 *              --path (default /socket.io/?EIO=4&transport=websocket), the
 *              open packet `0{...}` answered with `40` (namespace connect),
 *              and the connection counts as open on the `40{...}` ack; a
 *              message out is `42["<--sio-event, default m>","<text>"]`, an
 *              incoming `42[...]` event is a message whose text is the
 *              event's first argument (a JSON string, unescaped; anything
 *              else as its raw JSON); each `2` ping is answered with `3`;
 *              `1` (close) and `41` (disconnect) close the connection.
 * Requests and replies are the same texts in every protocol; only the
 * framing differs. Heartbeats: with --ping-data TEXT a message equal to TEXT
 * (the gateway's `gateway.pingData`) is counted as a ping, not a message, and
 * answered with --pong-data TEXT if given (the gateway only needs some
 * message from a client within pingInterval × pingNotResponseLimit).
 *
 * Modes, for the server under test:
 *   idle:      connect and count what arrives (the default);
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
 * --hello TEXT sends one message as soon as a connection is open (e.g. "j" to
 * join the bench app's group). --chat-base N speaks the chat demo
 * (examples/chat): connection i logs in as "n<N+i>" and its probe requests
 * are private lines to itself ("n<N+i>:p <ns> …"), timed when the
 * "n<N+i> (private): p <ns> …" copy comes back.
 *   storm:     the connections open at --connect-rate per second (paced on
 *              the clock, however many handshakes are in flight), and each
 *              records the time from its connect() call to its first message
 *              starting "welcome"; "broadcast" on stdin makes the first open
 *              connection send "b storm", and the stats count the
 *              connections that received a message starting "b "
 *              (bench/storm.js, test/e2e/connect-storm.test.ts);
 *   groupcast: the loader sends `G g<k> <ns> <padding to --size>` at --rate R
 *              per second in total (not per connection: the connections take
 *              turns, round robin over the open ones), k cycling 0..T-1 for
 *              --target-groups T (required, as is --rate); <ns> is
 *              CLOCK_MONOTONIC when sent. Paced on the clock: every message
 *              due is sent at each wake-up (at most GC_BURST_MAX at once);
 *              when further behind than that, or no connection is open, the
 *              schedule restarts from now rather than bursting to catch up,
 *              so fewer than R per second went out and `sent` says so.
 *              --target-groups, not --groups: the sender addresses groups
 *              without joining them (both may be given; they are
 *              independent), so the server forwards to members only.
 * Groups (for the server's `J <name>` join and `G <name> …` send-to-group):
 * with --groups G (0..100000, default 0: none), --group-min A and
 * --group-max B (default 10 and 1000, 1 ≤ A ≤ B ≤ 1000000) and --index-base N
 * (default 0), group k (0..G-1) has s_k = A + floor((B-A)·k/(G-1)) members
 * (G = 1: A), and the groups take consecutive ranges of the global connection
 * index j = N + i (i: this process's connection index): group 0 holds j in
 * [0, s_0), group 1 the next s_1, and so on; j past the last group joins
 * none. The harness passes A and B already scaled, and gives each loader its
 * N so that several loaders share one layout. A connection with a group
 * sends `J g<k>` as soon as it is open (after --hello, when both are given),
 * or with --join-on-command 1 only when the "join" command comes (so the
 * idle crowd's memory is measured before it joins anything);
 * the server's answer, a message exactly `J ok`, is counted in `joinAcks`,
 * not as a message. Whatever the mode, a message starting `G ` is a group
 * delivery: a message like any other, also counted in `groupReceived` and
 * timed (now minus the <ns> of its third space-separated token) into
 * `groupLatencyUs`. Join acks and group deliveries are only recognised
 * where each message's head is kept: with --groups ≥ 1 or in groupcast mode.
 * Without --connect-rate at most 200 connects are in flight at a time.
 * --connect-timeout-ms T fails a connection not open T ms after its
 * connect() call (default 0: no limit but the kernel's).
 * C rather than Node, so that on a 2-core machine the load generator takes as
 * little CPU as possible away from the server it measures; it reports its
 * own CPU so that the server's share is known.
 *
 * Control: lines on stdin ("start", "stop", "reset", "stats", "broadcast", "join",
 * "mark", "fanout", "quit"); every answer and the "ready" notice are one JSON
 * line on stdout. "mark" arms the fan-out timer of every connection; "fanout"
 * makes the first open connection send "b fanout" and answers {"sentNs"}
 * (CLOCK_MONOTONIC, the clock of every process here, Node's hrtime too).
 * The "stats" answer (bench/README.md lists the fields):
 *   connected (open now), failed (never opened: refused, reset, timed out,
 *   handshake refused), closed (were open, now closed), closedByPeer (of
 *   those, closed by the server: EOF, reset, close frame, Socket.IO
 *   disconnect), connectTimeouts, connectRate (connections opened per second
 *   from the first connect() call to the last opening), connectSpanUs (first
 *   to last connect() call);
 *   messagesReceived and bytesReceived (bytes as read from the sockets,
 *   framing and handshakes included; `received` and `bytes` are their older
 *   names), sent, stalls, sendErrors, pings and pongs (heartbeats answered);
 *   delivery: messages per connection over the connections that ever opened
 *   ({connections, min, p50, max, zero});
 *   latencyUs {n, p50, p90, p99, p999, max}: round trips in probe and echo
 *   modes, welcome times in storm mode;
 *   joinAcks (`J ok` answers), groupReceived (messages starting `G `) and
 *   groupLatencyUs (their delivery times, in latencyUs's form; n is below
 *   groupReceived when some had no valid <ns> or MAX_SAMPLES was reached);
 *   broadcastReceived (storm); cpuUserMs and cpuSystemMs (this process,
 *   getrusage, since it started); mark {reached, firstNs, lastNs}: since the
 *   last "mark", how many connections got "b fanout" and when the first and
 *   the last of them did.
 * "reset" zeroes the message, byte, send, ping, delivery and group-delivery
 * counts and both latency sample sets; joinAcks (joins happen once, at open),
 * connection counts and CPU are never reset.
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum { MODE_IDLE, MODE_BROADCAST, MODE_PROBE, MODE_ECHO, MODE_STORM, MODE_GROUPCAST };
enum { P_TEXT, P_FRAME, P_WEBSOCKET, P_SOCKETIO };
/* ST_SIO: the WebSocket is up, the Engine.IO open packet and the Socket.IO connect ack are awaited. */
enum { ST_CONNECTING, ST_HANDSHAKE, ST_SIO, ST_OPEN, ST_CLOSED };

#define MAX_CONNS 19000
#define HS_MAX 1024
#define LINE_MAX_BYTES 512
#define CTL_MAX 125 /* a WebSocket control frame's payload, at most */
#define SIO_EVENT_MAX 64
#define PATH_MAX_BYTES 256
#define MAX_SAMPLES (4u << 20)
#define READ_BUF (256 * 1024)
/* --groups and --target-groups at most: the cumulative-size table is sized by it. */
#define MAX_GROUPS 100000
#define MAX_GROUP_SIZE 1000000
/* groupcast: messages sent at one wake-up at most (100 ms at the highest --rate); beyond, the schedule restarts. */
#define GC_BURST_MAX 10000

struct conn {
  int fd;
  uint8_t state;
  uint8_t hlen;      /* frame header bytes gathered (WebSocket, frame) */
  uint8_t hdr[14];
  uint8_t opcode;    /* WebSocket: the current data message's opcode */
  uint8_t frame_op;  /* WebSocket: the current frame's opcode (0: continuation) */
  uint8_t fin;       /* WebSocket: the current frame ends its message */
  uint8_t ctllen;
  uint8_t ctl[CTL_MAX]; /* WebSocket: the current control frame's payload */
  uint8_t sio_opened;   /* Socket.IO: the Engine.IO open packet came, `40` was sent */
  uint64_t need;     /* payload bytes still to come in the current frame */
  char *hs;          /* handshake answer gathered so far (WebSocket only, freed once open) */
  uint16_t hslen;
  char line[LINE_MAX_BYTES]; /* the current message's first bytes (when keeps_head()) */
  uint16_t llen;
  uint64_t sent, received, next_send_ns, last_progress_ns;
  uint64_t connect_ns;    /* when connect() was called */
  uint32_t delivered;     /* messages received since the last reset */
  uint8_t welcomed, got_broadcast, was_open, marked;
};

static struct {
  const char *host;
  int port, proto, conns, mode, window, interval_ms, size, max_inflight, per_src, rate, connect_rate, connect_timeout_ms;
  uint32_t src_first;
  char kind;         /* first letter of each request; 0: 'b' when broadcasting, 'p' otherwise */
  const char *hello; /* sent once when a connection opens, or NULL */
  int chat_base;     /* ≥ 0: the chat demo's protocol, nicknames from n<chat_base> */
  const char *path;  /* WebSocket request path, or NULL for the protocol's default */
  const char *sio_event;
  const char *ping_data, *pong_data; /* heartbeat text from the server, and the answer (NULL: none) */
  int frame_header_size, frame_little_endian, frame_includes_header;
  int groups, group_min, group_max, index_base; /* the group layout this loader's connections join */
  int join_on_command;                          /* 1: join only on the "join" command, not at open */
  int target_groups;                            /* groupcast: the groups addressed, g0..g<target_groups-1> */
} opt = {.host = "127.0.0.1", .conns = 1, .mode = MODE_IDLE, .window = 8, .interval_ms = 20, .size = 64,
         .max_inflight = 200, .per_src = 1000, .src_first = 0x7f010001u, .chat_base = -1, .sio_event = "m",
         .frame_header_size = 4, .group_min = 10, .group_max = 1000};

static char request_kind(void) { return opt.kind ? opt.kind : opt.mode == MODE_BROADCAST ? 'b' : 'p'; }
/* Fan-out timing ("mark", then some loader's "fanout"): connections that got the "b fanout" message, and when
 * the first and the last did (CLOCK_MONOTONIC, comparable across this machine's processes). */
static int mark_armed;
static uint64_t mark_reached, mark_first_ns, mark_last_ns;
static int timed(void) { return opt.mode == MODE_PROBE || opt.mode == MODE_ECHO; }
/* Modes that keep the first bytes of each message and collect latency samples. */
static int sampling(void) { return timed() || opt.mode == MODE_STORM; }
/* Where join acks and group deliveries are looked for (their heads kept, a second sample set allocated). */
static int grouped(void) { return opt.groups > 0 || opt.mode == MODE_GROUPCAST; }
/* Whether each message's first bytes are kept: to time it, to recognise a ping, a join ack or a group delivery, or
 * to read a Socket.IO packet. */
static int keeps_head(void) { return sampling() || grouped() || mark_armed || opt.ping_data != NULL || opt.proto == P_SOCKETIO; }
static int over_ws(void) { return opt.proto == P_WEBSOCKET || opt.proto == P_SOCKETIO; }

static struct conn *conns;
static int ep, started, opened, failed, closed, closed_by_peer, inflight, next_connect, ready_said;
static uint64_t total_received, total_bytes, total_sent, stalls, send_errors, pings, pongs, connect_timeouts;
static uint64_t first_connect_ns, last_connect_ns, last_open_ns, broadcast_received;
static uint64_t join_acks, group_received;
/* Latency samples in µs, at most MAX_SAMPLES of them (v is NULL when the set is not collected). */
struct samples {
  uint32_t *v;
  size_t n;
};
static struct samples latency, group_latency;
static uint32_t *scratch;
/* group_start[k]: the global connection index group k starts at; group_start[opt.groups]: the first in none. */
static uint64_t group_start[MAX_GROUPS + 1];
/* groupcast: when the next message is due, the connection that sends it, and the group it goes to. */
static uint64_t gc_next_ns;
static int gc_conn, gc_group;
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

/* One latency sample from `from` to `now` (ns); a time in the future or absent (0) is not one. */
static void record_sample(struct samples *s, uint64_t from, uint64_t now) {
  if (from == 0 || from > now || s->n >= MAX_SAMPLES) return;
  s->v[s->n++] = (uint32_t)((now - from) / 1000u);
}

/* group_start[] for --groups, --group-min, --group-max (their bounds keep the total under 100000 × 1000000). */
static void layout_groups(void) {
  uint64_t at = 0, span = (uint64_t)(opt.group_max - opt.group_min);
  for (int k = 0; k < opt.groups; k++) {
    group_start[k] = at;
    at += (uint64_t)opt.group_min + (opt.groups > 1 ? span * (uint64_t)k / (uint64_t)(opt.groups - 1) : 0);
  }
  group_start[opt.groups] = at;
}

/* The group that global connection index j belongs to, or -1: the last k with group_start[k] <= j, if j is before
 * the end. */
static int group_of(uint64_t j) {
  if (opt.groups == 0 || j >= group_start[opt.groups]) return -1;
  int lo = 0, hi = opt.groups - 1; /* group_start[lo] <= j < group_start[hi + 1] */
  while (lo < hi) {
    int mid = lo + (hi - lo + 1) / 2;
    if (group_start[mid] <= j) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/* by_peer: the server ended it (EOF, reset, close frame, Socket.IO disconnect), not a protocol error seen here. */
static void close_conn(struct conn *c, int by_peer) {
  if (c->state == ST_CLOSED) return;
  if (c->state == ST_CONNECTING) inflight--;
  if (c->state == ST_OPEN) {
    closed++;
    if (by_peer) closed_by_peer++;
  } else failed++;
  c->state = ST_CLOSED;
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->hs);
  c->hs = NULL;
}

/*
 * Writes one message of the connection's protocol carrying data: a line, a
 * length-prefixed frame, or a masked WebSocket frame with opcode op. Small
 * and rare enough that a full socket buffer is counted (sendErrors), not
 * queued. Returns whether all of it was written.
 */
static int write_message(struct conn *c, uint8_t op, const uint8_t *data, size_t n) {
  uint8_t frame[6 * LINE_MAX_BYTES + SIO_EVENT_MAX + 32];
  size_t len = 0;
  if (n > sizeof frame - 16) n = sizeof frame - 16;
  if (over_ws()) {
    static const uint8_t mask[4] = {0x5a, 0xc3, 0x91, 0x17};
    frame[len++] = 0x80 | op;
    if (n < 126) frame[len++] = 0x80 | (uint8_t)n;
    else { frame[len++] = 0x80 | 126; frame[len++] = (uint8_t)(n >> 8); frame[len++] = (uint8_t)n; }
    memcpy(frame + len, mask, 4);
    len += 4;
    for (size_t i = 0; i < n; i++) frame[len + i] = data[i] ^ mask[i & 3];
    len += n;
  } else if (opt.proto == P_FRAME) {
    uint32_t l = (uint32_t)n + (opt.frame_includes_header ? (uint32_t)opt.frame_header_size : 0);
    for (int i = 0; i < opt.frame_header_size; i++) {
      int shift = opt.frame_little_endian ? 8 * i : 8 * (opt.frame_header_size - 1 - i);
      frame[len++] = (uint8_t)(l >> shift);
    }
    memcpy(frame + len, data, n);
    len += n;
  } else {
    memcpy(frame, data, n);
    frame[n] = '\n';
    len = n + 1;
  }
  ssize_t w = send(c->fd, frame, len, MSG_NOSIGNAL);
  if (w != (ssize_t)len) { send_errors++; return 0; }
  return 1;
}

/* Sends one text as a message (as a Socket.IO event's argument in socketio); counted in `sent`. */
static void send_message(struct conn *c, const char *text, size_t n) {
  if (n > LINE_MAX_BYTES - 2) n = LINE_MAX_BYTES - 2;
  const uint8_t *data = (const uint8_t *)text;
  uint8_t packet[6 * LINE_MAX_BYTES + SIO_EVENT_MAX + 16]; /* every byte escaped as \u00XX at worst */
  if (opt.proto == P_SOCKETIO) {
    size_t len = (size_t)snprintf((char *)packet, sizeof packet, "42[\"%s\",\"", opt.sio_event);
    for (size_t i = 0; i < n; i++) {
      uint8_t ch = (uint8_t)text[i];
      if (ch < 0x20) len += (size_t)snprintf((char *)packet + len, 7, "\\u%04x", ch);
      else {
        if (ch == '"' || ch == '\\') packet[len++] = '\\';
        packet[len++] = ch;
      }
    }
    packet[len++] = '"';
    packet[len++] = ']';
    data = packet;
    n = len;
  }
  if (!write_message(c, 1, data, n)) return;
  c->sent++;
  total_sent++;
}

/* A heartbeat's answer or a protocol packet: not a message, not counted in `sent`. */
static void send_control(struct conn *c, uint8_t op, const void *data, size_t n) {
  if (write_message(c, op, data, n)) pongs++;
}

/* `J g<k>` for a connection in a group (none for the others). */
static void send_join(struct conn *c) {
  int k = group_of((uint64_t)opt.index_base + (uint64_t)(c - conns));
  if (k >= 0) {
    char join[32];
    send_message(c, join, (size_t)snprintf(join, sizeof join, "J g%d", k));
  }
}

/* The messages a connection sends once open: --hello or its chat nickname, then its group's join. */
static void say_hello(struct conn *c) {
  char nick[32];
  if (opt.chat_base >= 0) send_message(c, nick, (size_t)snprintf(nick, sizeof nick, "n%d", opt.chat_base + (int)(c - conns)));
  else if (opt.hello) send_message(c, opt.hello, strlen(opt.hello));
  if (!opt.join_on_command) send_join(c);
}

static void open_conn(struct conn *c, uint64_t now) {
  c->state = ST_OPEN;
  c->was_open = 1;
  opened++;
  last_open_ns = now;
  say_hello(c);
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

/* groupcast: one `G g<k> <ns> <padding>` message from c. */
static void send_groupcast(struct conn *c, int group) {
  char text[LINE_MAX_BYTES];
  int n = snprintf(text, sizeof text, "G g%d %llu ", group, (unsigned long long)now_ns());
  int want = opt.size < (int)sizeof text - 1 ? opt.size : (int)sizeof text - 1;
  while (n < want) text[n++] = 'x';
  send_message(c, text, (size_t)n);
}

/* groupcast: every message due by now, each from the next open connection (round robin), each to the next group. */
static void drive_groupcast(uint64_t now) {
  if (!started || opt.mode != MODE_GROUPCAST) return;
  const uint64_t interval = 1000000000u / (uint64_t)opt.rate;
  for (int burst = 0; burst < GC_BURST_MAX && now >= gc_next_ns; burst++) {
    int tries = 0;
    while (tries < opt.conns && conns[gc_conn].state != ST_OPEN) {
      gc_conn = (gc_conn + 1) % opt.conns;
      tries++;
    }
    if (tries == opt.conns) break; /* none open: nothing can be sent; the schedule restarts below */
    send_groupcast(&conns[gc_conn], gc_group);
    gc_conn = (gc_conn + 1) % opt.conns;
    gc_group = (gc_group + 1) % opt.target_groups;
    gc_next_ns += interval;
  }
  if (gc_next_ns < now) gc_next_ns = now; /* behind: no burst to catch up */
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

/* One whole message received on c; c->line holds its first bytes when keeps_head(). */
static void on_text(struct conn *c, uint64_t now) {
  c->received++;
  c->delivered++;
  total_received++;
  c->last_progress_ns = now;
  if (mark_armed && !c->marked && c->llen >= 8 && memcmp(c->line, "b fanout", 8) == 0) {
    c->marked = 1;
    if (mark_reached++ == 0) mark_first_ns = now;
    mark_last_ns = now;
  }
  if (opt.mode == MODE_STORM) {
    if (!c->welcomed && c->llen >= 7 && memcmp(c->line, "welcome", 7) == 0) {
      c->welcomed = 1;
      record_sample(&latency, c->connect_ns, now);
    } else if (!c->got_broadcast && c->llen >= 2 && c->line[0] == 'b' && c->line[1] == ' ') {
      c->got_broadcast = 1;
      broadcast_received++;
    }
  }
  if (grouped() && c->llen >= 2 && c->line[0] == 'G' && c->line[1] == ' ') {
    /* A group delivery: `G <name> <ns> …`; its time is the third token's. */
    group_received++;
    c->line[c->llen < LINE_MAX_BYTES ? c->llen : LINE_MAX_BYTES - 1] = 0;
    const char *name_end = strchr(c->line + 2, ' ');
    if (name_end != NULL) record_sample(&group_latency, strtoull(name_end + 1, NULL, 10), now);
    return;
  }
  const char *request = NULL;
  if (timed() && c->llen > 2) {
    c->line[c->llen < LINE_MAX_BYTES ? c->llen : LINE_MAX_BYTES - 1] = 0;
    if (opt.chat_base < 0) request = c->line[0] == request_kind() ? c->line : NULL;
    else if ((request = strstr(c->line, " (private): ")) != NULL) request += 12;
  }
  if (request != NULL && request[0] == request_kind() && request[1] == ' ') {
    record_sample(&latency, strtoull(request + 2, NULL, 10), now);
  }
}

/* Index past the JSON string starting at s[i] == '"' (escapes skipped), or n when it does not end. */
static size_t skip_json_string(const char *s, size_t i, size_t n) {
  for (i++; i < n; i++) {
    if (s[i] == '\\') i++;
    else if (s[i] == '"') return i + 1;
  }
  return n;
}

/*
 * The text of a Socket.IO event packet `42[/nsp,][id]["name",arg,...]` in
 * line[0..n): its first argument, unescaped when it is a JSON string (\uXXXX
 * beyond ASCII becomes UTF-8; a surrogate becomes '?'), its raw JSON
 * otherwise, empty when there is none. Written over line (the text is never
 * longer than the packet); returns its length. A packet cut short by the
 * kept head yields what was there.
 */
static size_t sio_event_text(char *line, size_t n) {
  size_t i = 2, o = 0;
  if (i < n && line[i] == '/') {
    while (i < n && line[i] != ',') i++;
    i++;
  }
  while (i < n && line[i] >= '0' && line[i] <= '9') i++;
  if (i >= n || line[i] != '[') return 0;
  i++;
  while (i < n && line[i] == ' ') i++;
  if (i >= n || line[i] != '"') return 0;
  i = skip_json_string(line, i, n);
  while (i < n && line[i] == ' ') i++;
  if (i >= n || line[i] != ',') return 0;
  i++;
  while (i < n && line[i] == ' ') i++;
  if (i >= n) return 0;
  if (line[i] != '"') {
    /* Not a string: its raw JSON, up to the next argument or the array's end (close enough for a count). */
    size_t end = n;
    while (end > i && line[end - 1] != ']') end--;
    if (end > i) end--; else end = n;
    memmove(line, line + i, end - i);
    return end - i;
  }
  for (i++; i < n && line[i] != '"'; i++) {
    char ch = line[i];
    if (ch == '\\' && i + 1 < n) {
      ch = line[++i];
      switch (ch) {
        case 'n': ch = '\n'; break;
        case 't': ch = '\t'; break;
        case 'r': ch = '\r'; break;
        case 'b': ch = '\b'; break;
        case 'f': ch = '\f'; break;
        case 'u': {
          unsigned cp = 0;
          int digits = 0;
          while (digits < 4 && i + 1 < n) {
            char h = line[i + 1];
            int v = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
            if (v < 0) break;
            cp = cp * 16 + (unsigned)v;
            i++;
            digits++;
          }
          /* 6 bytes of escape become at most 3, so o stays behind i. */
          if (cp < 0x80) line[o++] = (char)cp;
          else if (cp < 0x800) { line[o++] = (char)(0xc0 | (cp >> 6)); line[o++] = (char)(0x80 | (cp & 0x3f)); }
          else if (cp >= 0xd800 && cp <= 0xdfff) line[o++] = '?';
          else { line[o++] = (char)(0xe0 | (cp >> 12)); line[o++] = (char)(0x80 | ((cp >> 6) & 0x3f)); line[o++] = (char)(0x80 | (cp & 0x3f)); }
          continue;
        }
        default: break; /* \" \\ \/ stand for themselves */
      }
    }
    line[o++] = ch;
  }
  return o;
}

/*
 * One Engine.IO packet (a whole WebSocket message, its head in c->line).
 * Returns 1 when it is a Socket.IO event whose text is now in c->line.
 */
static int on_sio_packet(struct conn *c, uint64_t now) {
  if (c->llen == 0) return 0;
  switch (c->line[0]) {
    case '0': /* open: {"sid", "pingInterval", ...}; connect to the main namespace */
      if (c->state == ST_SIO && !c->sio_opened) {
        c->sio_opened = 1;
        if (!write_message(c, 1, (const uint8_t *)"40", 2)) close_conn(c, 0);
      }
      return 0;
    case '1': close_conn(c, 1); return 0; /* the server closes the Engine.IO session */
    case '2': /* ping, answered with the same payload */
      pings++;
      c->line[0] = '3';
      send_control(c, 1, c->line, c->llen);
      return 0;
    case '4': break;
    default: return 0; /* pong, noop, upgrade packets */
  }
  char type = c->llen > 1 ? c->line[1] : 0;
  if (type == '0' && c->state == ST_SIO) open_conn(c, now); /* the connect ack */
  else if (type == '1') close_conn(c, 1);                   /* disconnected by the server */
  else if (type == '4' && c->state == ST_SIO) close_conn(c, 0); /* connect refused: counts as failed */
  else if (type == '2' && c->state == ST_OPEN) {
    c->llen = (uint16_t)sio_event_text(c->line, c->llen);
    return 1;
  }
  return 0;
}

/* One whole message of the connection's protocol (its head in c->line when keeps_head()). */
static void on_message(struct conn *c, uint64_t now) {
  int is_text = 1;
  if (opt.proto == P_SOCKETIO) is_text = on_sio_packet(c, now);
  else if (opt.ping_data != NULL && c->llen == strlen(opt.ping_data) && memcmp(c->line, opt.ping_data, c->llen) == 0) {
    pings++;
    if (opt.pong_data != NULL) send_control(c, 1, opt.pong_data, strlen(opt.pong_data));
    is_text = 0;
  }
  if (is_text && c->state == ST_OPEN) {
    /* The server's answer to `J g<k>`: a join acknowledged, not a message. */
    if (grouped() && c->llen == 4 && memcmp(c->line, "J ok", 4) == 0) join_acks++;
    else on_text(c, now);
  }
  c->llen = 0;
}

static void keep_head(struct conn *c, const uint8_t *p, size_t n) {
  if (!keeps_head()) return;
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

/* Length-prefixed frames; c->hlen counts header bytes, == header size while a body is read. */
static void feed_frame(struct conn *c, const uint8_t *p, size_t n, uint64_t now) {
  const int hsize = opt.frame_header_size;
  while (n > 0 && c->state != ST_CLOSED) {
    if (c->hlen < hsize) {
      c->hdr[c->hlen++] = *p++;
      n--;
      if (c->hlen < hsize) continue;
      uint64_t len = 0;
      for (int i = 0; i < hsize; i++) len = (len << 8) | c->hdr[opt.frame_little_endian ? hsize - 1 - i : i];
      if (opt.frame_includes_header) {
        if (len < (uint64_t)hsize) { close_conn(c, 0); return; } /* malformed: shorter than its own header */
        len -= (uint64_t)hsize;
      }
      c->need = len;
      if (len == 0) { c->hlen = 0; on_message(c, now); }
      continue;
    }
    size_t take = n < c->need ? n : (size_t)c->need;
    keep_head(c, p, take);
    p += take; n -= take; c->need -= take;
    if (c->need == 0) { c->hlen = 0; on_message(c, now); }
  }
}

/* The current WebSocket frame is complete. */
static void ws_frame_done(struct conn *c, uint64_t now) {
  switch (c->frame_op) {
    case 8: close_conn(c, 1); return;
    case 9: pings++; send_control(c, 10, c->ctl, c->ctllen); return;
    case 10: return;
    default: if (c->fin) on_message(c, now);
  }
}

static void feed_ws(struct conn *c, const uint8_t *p, size_t n, uint64_t now) {
  while (n > 0 && c->state != ST_CLOSED) {
    if (c->need > 0) {
      size_t take = n < c->need ? n : (size_t)c->need;
      if (c->frame_op >= 8) {
        size_t room = CTL_MAX - c->ctllen;
        size_t keep = take < room ? take : room;
        memcpy(c->ctl + c->ctllen, p, keep);
        c->ctllen += (uint8_t)keep;
      } else keep_head(c, p, take);
      p += take; n -= take; c->need -= take;
      if (c->need == 0) ws_frame_done(c, now);
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
    c->frame_op = c->hdr[0] & 0x0f;
    c->fin = (c->hdr[0] & 0x80) != 0;
    if (c->frame_op >= 8 && len > CTL_MAX) { close_conn(c, 0); return; } /* a control frame is at most 125 bytes */
    if (c->frame_op != 0 && c->frame_op < 8) c->opcode = c->frame_op;
    c->ctllen = 0;
    c->need = len;
    if (len == 0) ws_frame_done(c, now);
  }
}

static void on_readable(struct conn *c, uint64_t now) {
  ssize_t r = recv(c->fd, rbuf, sizeof rbuf, 0);
  if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) { close_conn(c, 1); return; }
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
    if (!end) { if (c->hslen >= HS_MAX - 1) close_conn(c, 0); return; }
    if (strncmp(c->hs, "HTTP/1.1 101", 12) != 0) { close_conn(c, 0); return; }
    size_t used = (size_t)(end + 4 - c->hs) - (c->hslen - take);
    free(c->hs);
    c->hs = NULL;
    if (opt.proto == P_SOCKETIO) c->state = ST_SIO;
    else open_conn(c, now);
    p += used;
    n -= used;
  }
  if (over_ws()) feed_ws(c, p, n, now);
  else if (opt.proto == P_FRAME) feed_frame(c, p, n, now);
  else feed_text(c, p, n, now);
  drive(c, now);
}

static void on_connected(struct conn *c, uint64_t now) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) { close_conn(c, 0); return; }
  inflight--;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  if (over_ws()) {
    char req[PATH_MAX_BYTES + 256];
    const char *path = opt.path ? opt.path : opt.proto == P_SOCKETIO ? "/socket.io/?EIO=4&transport=websocket" : "/";
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                     path, opt.host, opt.port);
    c->state = ST_HANDSHAKE;
    c->hs = malloc(HS_MAX);
    if (n <= 0 || n >= (int)sizeof req || !c->hs || send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n) { close_conn(c, 0); return; }
  } else {
    open_conn(c, now);
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
  if (connect(c->fd, (struct sockaddr *)&dst, sizeof dst) < 0 && errno != EINPROGRESS) close_conn(c, 0);
}

/* --connect-timeout-ms: connections not open that long after their connect() call fail. */
static void expire_connects(uint64_t now) {
  uint64_t limit = (uint64_t)opt.connect_timeout_ms * 1000000u;
  for (int i = 0; i < next_connect; i++) {
    struct conn *c = &conns[i];
    if (c->state == ST_OPEN || c->state == ST_CLOSED || now - c->connect_ns < limit) continue;
    connect_timeouts++;
    close_conn(c, 0);
  }
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static double ms_of(struct timeval t) { return (double)t.tv_sec * 1e3 + (double)t.tv_usec / 1e3; }

/* `"name":{n, p50, p90, p99, p999, max}` of a sample set (sorted in place: later samples are appended, sorted again). */
static void print_latency(const char *name, struct samples *s) {
  if (s->n > 0) qsort(s->v, s->n, sizeof *s->v, cmp_u32);
#define PCT(q) (s->n ? s->v[(size_t)((double)(s->n - 1) * (q))] : 0)
  printf("\"%s\":{\"n\":%zu,\"p50\":%u,\"p90\":%u,\"p99\":%u,\"p999\":%u,\"max\":%u}", name, s->n, PCT(0.5), PCT(0.9),
         PCT(0.99), PCT(0.999), s->n ? s->v[s->n - 1] : 0);
#undef PCT
}

static void print_stats(void) {
  size_t nd = 0, zero = 0;
  for (int i = 0; i < next_connect; i++) {
    if (!conns[i].was_open) continue;
    scratch[nd++] = conns[i].delivered;
    if (conns[i].delivered == 0) zero++;
  }
  qsort(scratch, nd, sizeof *scratch, cmp_u32);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double span_s = last_open_ns > first_connect_ns ? (double)(last_open_ns - first_connect_ns) / 1e9 : 0;
  printf("{\"connected\":%d,\"failed\":%d,\"closed\":%d,\"received\":%llu,\"bytes\":%llu,\"sent\":%llu,\"stalls\":%llu,"
         "\"sendErrors\":%llu,",
         opened - closed, failed, closed, (unsigned long long)total_received, (unsigned long long)total_bytes,
         (unsigned long long)total_sent, (unsigned long long)stalls, (unsigned long long)send_errors);
  print_latency("latencyUs", &latency);
  printf(",\"joinAcks\":%llu,\"groupReceived\":%llu,", (unsigned long long)join_acks, (unsigned long long)group_received);
  print_latency("groupLatencyUs", &group_latency);
  printf(",\"broadcastReceived\":%llu,\"connectSpanUs\":%llu,", (unsigned long long)broadcast_received,
         (unsigned long long)((last_connect_ns - first_connect_ns) / 1000u));
  printf("\"closedByPeer\":%d,\"connectTimeouts\":%llu,\"connectRate\":%.1f,\"messagesReceived\":%llu,\"bytesReceived\":%llu,"
         "\"pings\":%llu,\"pongs\":%llu,\"delivery\":{\"connections\":%zu,\"min\":%u,\"p50\":%u,\"max\":%u,\"zero\":%zu},"
         "\"cpuUserMs\":%.1f,\"cpuSystemMs\":%.1f,\"mark\":{\"reached\":%llu,\"firstNs\":%llu,\"lastNs\":%llu}}\n",
         closed_by_peer, (unsigned long long)connect_timeouts, span_s > 0 ? (double)opened / span_s : 0.0,
         (unsigned long long)total_received, (unsigned long long)total_bytes, (unsigned long long)pings,
         (unsigned long long)pongs, nd, nd ? scratch[0] : 0, nd ? scratch[(nd - 1) / 2] : 0, nd ? scratch[nd - 1] : 0, zero,
         ms_of(ru.ru_utime), ms_of(ru.ru_stime), (unsigned long long)mark_reached, (unsigned long long)mark_first_ns,
         (unsigned long long)mark_last_ns);
  fflush(stdout);
}

static void on_command(char *line) {
  uint64_t now = now_ns();
  if (strncmp(line, "start", 5) == 0) {
    started = 1;
    gc_next_ns = now;
    for (int i = 0; i < opt.conns; i++) {
      conns[i].next_send_ns = now + (uint64_t)opt.interval_ms * 1000000u * (uint64_t)i / (uint64_t)opt.conns;
      conns[i].received = conns[i].sent; /* requests from before do not count against the window */
      conns[i].last_progress_ns = now;
      drive(&conns[i], now);
    }
    drive_groupcast(now);
  } else if (strncmp(line, "stop", 4) == 0) started = 0;
  else if (strncmp(line, "reset", 5) == 0) {
    total_received = total_bytes = total_sent = stalls = send_errors = pings = pongs = 0;
    latency.n = group_latency.n = 0;
    group_received = 0;
    for (int i = 0; i < opt.conns; i++) conns[i].delivered = 0;
  } else if (strncmp(line, "stats", 5) == 0) print_stats();
  else if (strncmp(line, "mark", 4) == 0) {
    mark_armed = 1;
    mark_reached = mark_first_ns = mark_last_ns = 0;
    for (int i = 0; i < opt.conns; i++) conns[i].marked = 0;
  } else if (strncmp(line, "fanout", 6) == 0) {
    /* One broadcast request through the server ("b fanout"); the reply says when it left. */
    uint64_t sent_ns = 0;
    for (int i = 0; i < opt.conns && sent_ns == 0; i++) {
      if (conns[i].state != ST_OPEN) continue;
      sent_ns = now_ns();
      send_message(&conns[i], "b fanout", 8);
    }
    printf("{\"ok\":\"fanout\",\"sentNs\":%llu}\n", (unsigned long long)sent_ns);
    fflush(stdout);
    return;
  }
  else if (strncmp(line, "join", 4) == 0) {
    for (int i = 0; i < opt.conns; i++)
      if (conns[i].state == ST_OPEN) send_join(&conns[i]);
  }
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

/* A text that goes on the wire (in a request line, a message, a JSON string): 1..max bytes, none of `forbidden`. */
static const char *arg_text(const char *v, size_t max, const char *forbidden, const char *forbidden_names, const char *name) {
  if (strlen(v) == 0 || strlen(v) > max || strpbrk(v, forbidden) != NULL) {
    fprintf(stderr, "loadgen: %s must be 1..%zu bytes, without %s\n", name, max, forbidden_names);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--host")) opt.host = v;
    else if (!strcmp(k, "--port")) opt.port = arg_int(v, 1, 65535, k);
    else if (!strcmp(k, "--proto") || !strcmp(k, "--protocol")) {
      if (!strcmp(v, "text")) opt.proto = P_TEXT;
      else if (!strcmp(v, "frame")) opt.proto = P_FRAME;
      else if (!strcmp(v, "websocket")) opt.proto = P_WEBSOCKET;
      else if (!strcmp(v, "socketio")) opt.proto = P_SOCKETIO;
      else { fprintf(stderr, "loadgen: %s must be text, frame, websocket or socketio\n", k); return 2; }
    } else if (!strcmp(k, "--conns")) opt.conns = arg_int(v, 1, MAX_CONNS, k);
    else if (!strcmp(k, "--mode")) opt.mode = !strcmp(v, "broadcast") ? MODE_BROADCAST : !strcmp(v, "probe") ? MODE_PROBE : !strcmp(v, "echo") ? MODE_ECHO : !strcmp(v, "storm") ? MODE_STORM : !strcmp(v, "groupcast") ? MODE_GROUPCAST : MODE_IDLE;
    else if (!strcmp(k, "--groups") || !strcmp(k, "--target-groups")) {
      char *end;
      long x = strtol(v, &end, 10);
      if (*end || x < 0 || x > MAX_GROUPS) {
        fprintf(stderr, "loadgen: %s must be 0..%d (the group table is bounded), not %s\n", k, MAX_GROUPS, v);
        return 2;
      }
      if (!strcmp(k, "--groups")) opt.groups = (int)x;
      else opt.target_groups = (int)x;
    } else if (!strcmp(k, "--group-min")) opt.group_min = arg_int(v, 1, MAX_GROUP_SIZE, k);
    else if (!strcmp(k, "--group-max")) opt.group_max = arg_int(v, 1, MAX_GROUP_SIZE, k);
    else if (!strcmp(k, "--index-base")) opt.index_base = arg_int(v, 0, 1000000000, k);
    else if (!strcmp(k, "--join-on-command")) opt.join_on_command = arg_int(v, 0, 1, k);
    else if (!strcmp(k, "--kind")) {
      if (strlen(v) != 1 || v[0] < 'a' || v[0] > 'z') { fprintf(stderr, "loadgen: --kind must be one lowercase letter\n"); return 2; }
      opt.kind = v[0];
    } else if (!strcmp(k, "--hello")) opt.hello = v;
    else if (!strcmp(k, "--chat-base")) opt.chat_base = arg_int(v, 0, 100000000, k);
    else if (!strcmp(k, "--connect-rate")) opt.connect_rate = arg_int(v, 1, 1000000, k);
    else if (!strcmp(k, "--connect-timeout-ms")) opt.connect_timeout_ms = arg_int(v, 0, 3600000, k);
    else if (!strcmp(k, "--window")) opt.window = arg_int(v, 1, 1 << 20, k);
    else if (!strcmp(k, "--interval-ms")) opt.interval_ms = arg_int(v, 1, 60000, k);
    else if (!strcmp(k, "--rate")) opt.rate = arg_int(v, 1, 100000, k);
    else if (!strcmp(k, "--size")) opt.size = arg_int(v, 8, LINE_MAX_BYTES - 16, k);
    else if (!strcmp(k, "--per-src")) opt.per_src = arg_int(v, 1, 20000, k);
    else if (!strcmp(k, "--path")) {
      opt.path = arg_text(v, PATH_MAX_BYTES, "\r\n ", "CR, LF or space", k);
      if (v[0] != '/') { fprintf(stderr, "loadgen: --path must start with /\n"); return 2; }
    } else if (!strcmp(k, "--sio-event")) opt.sio_event = arg_text(v, SIO_EVENT_MAX, "\r\n\"\\", "CR, LF, \" or \\", k);
    else if (!strcmp(k, "--ping-data")) opt.ping_data = arg_text(v, LINE_MAX_BYTES - 16, "\r\n", "CR or LF", k);
    else if (!strcmp(k, "--pong-data")) opt.pong_data = arg_text(v, LINE_MAX_BYTES - 16, "\r\n", "CR or LF", k);
    else if (!strcmp(k, "--frame-header-size")) {
      opt.frame_header_size = arg_int(v, 2, 4, k);
      if (opt.frame_header_size == 3) { fprintf(stderr, "loadgen: --frame-header-size must be 2 or 4\n"); return 2; }
    } else if (!strcmp(k, "--frame-endian")) {
      if (strcmp(v, "big") && strcmp(v, "little")) { fprintf(stderr, "loadgen: --frame-endian must be big or little\n"); return 2; }
      opt.frame_little_endian = !strcmp(v, "little");
    } else if (!strcmp(k, "--frame-length-includes-header")) opt.frame_includes_header = arg_int(v, 0, 1, k);
    else if (!strcmp(k, "--src-first")) {
      struct in_addr a;
      if (inet_pton(AF_INET, v, &a) != 1 || (ntohl(a.s_addr) >> 24) != 127) { fprintf(stderr, "loadgen: --src-first must be in 127.0.0.0/8\n"); return 2; }
      opt.src_first = ntohl(a.s_addr);
    } else { fprintf(stderr, "loadgen: unknown option %s\n", k); return 2; }
  }
  if (opt.port == 0) { fprintf(stderr, "loadgen: --port is required\n"); return 2; }
  if (opt.group_min > opt.group_max) {
    fprintf(stderr, "loadgen: --group-min (%d) must not exceed --group-max (%d)\n", opt.group_min, opt.group_max);
    return 2;
  }
  if (opt.mode == MODE_GROUPCAST && (opt.target_groups == 0 || opt.rate == 0)) {
    fprintf(stderr, "loadgen: --mode groupcast needs --target-groups (1..%d) and --rate (messages per second in total)\n", MAX_GROUPS);
    return 2;
  }
  layout_groups();
  conns = calloc((size_t)opt.conns, sizeof *conns);
  scratch = calloc((size_t)opt.conns, sizeof *scratch);
  latency.v = sampling() ? malloc(MAX_SAMPLES * sizeof *latency.v) : NULL;
  group_latency.v = grouped() ? malloc(MAX_SAMPLES * sizeof *group_latency.v) : NULL;
  if (!conns || !scratch || (sampling() && !latency.v) || (grouped() && !group_latency.v)) die("malloc");
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  struct epoll_event sev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &sev);
  struct epoll_event evs[512];
  uint64_t expired_at = 0;
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
    int paced = (started && (opt.mode == MODE_PROBE || opt.mode == MODE_GROUPCAST || opt.rate > 0)) || (opt.connect_rate > 0 && next_connect < opt.conns);
    int timeout = paced ? 1 : started ? 100 : 50;
    if (opt.connect_timeout_ms > 0 && !ready_said && timeout > 10) timeout = 10;
    int n = epoll_wait(ep, evs, 512, timeout);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    uint64_t now = now_ns();
    for (int i = 0; i < n; i++) {
      struct conn *c = evs[i].data.ptr;
      if (!c) { read_stdin(); continue; }
      if (c->state == ST_CONNECTING) {
        if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connected(c, now);
      } else if (c->state != ST_CLOSED) {
        on_readable(c, now);
      }
    }
    if (opt.connect_timeout_ms > 0 && !ready_said && now - expired_at >= 10000000u) {
      expire_connects(now);
      expired_at = now;
    }
    if (started && (paced || n == 0)) for (int i = 0; i < opt.conns; i++) drive(&conns[i], now);
    drive_groupcast(now_ns());
  }
}
