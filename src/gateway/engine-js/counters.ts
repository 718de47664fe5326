/**
 * The JS engine's counters: plain number fields bumped in place on the hot path
 * (no maps, no strings). Gauges (connections, links, unacked…) are read from
 * the structures that hold them when stats() is asked, not kept here.
 */
export class Counters {
  connectionsAccepted = 0;
  connectionsRefused = 0;
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  tooLarge = 0;
  invalidJson = 0;
  framingErrors = 0;
  slowConsumerDrops = 0;
  slowConsumerCloses = 0;
  heldForConnect = 0;
  heldForConnectDrops = 0;
  heartbeatCloses = 0;
  encodeErrors = 0;
  commands = 0;
  commandsForGoneClients = 0;
  queries = 0;
  eventsSent = 0;
  eventsAcked = 0;
  eventsRedelivered = 0;
  eventsFailed = 0;
  readPauses = 0;
  linkErrors = 0;
  linkOutputStalls = 0;
}
