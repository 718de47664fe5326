import { gatewayIdOf } from '../protocol/client-id.js';
import { EventKind, PayloadKind } from '../protocol/constants.js';
import {
  applySessionPatch,
  diffSession,
  isPlainObject,
  snapshotSession,
  type Session,
  type SessionPatch,
} from '../protocol/session-patch.js';
import type { Logger } from '../log/logger.js';
import { deriveHandshake, isRawHandshake, type RawHandshake } from '../protocol/websocket-handshake.js';
import type { ClientInfo, CloseContext, EventContext, EventsModule, WebSocketHandshake } from '../types.js';
import { currentEvent, type CurrentEvent } from './current-event.js';
import type { RunningSlots } from './running-slots.js';
import { readTaskEvent, type TaskClient, type TaskEvent } from './thread-messages.js';
import type { ThreadOutbox } from './thread-outbox.js';

/** What a pool thread gives every client batch it runs. */
export interface BatchEnvironment {
  events: EventsModule;
  outbox: ThreadOutbox;
  logger: Logger;
  processTimeout: number;
  slots: RunningSlots;
  /** This thread's slot (its thread index). */
  slot: number;
}

const HANDLER_OF: Record<EventKind, keyof EventsModule> = {
  [EventKind.Connect]: 'onConnect',
  [EventKind.WebSocketConnect]: 'onWebSocketConnect',
  [EventKind.Message]: 'onMessage',
  [EventKind.Close]: 'onClose',
};

type BaseContext = Omit<EventContext, 'session' | 'eventId' | 'redelivered'>;

function baseContext(client: TaskClient): BaseContext {
  const info = client.info === null ? null : (JSON.parse(client.info) as Partial<ClientInfo>);
  return {
    clientId: client.clientId,
    remoteAddress: info?.remoteAddress ?? '',
    remotePort: info?.remotePort ?? 0,
    gatewayId: info?.gatewayId ?? gatewayIdOf(client.clientId),
    gatewayAddress: info?.gatewayAddress ?? '',
    gatewayPort: info?.gatewayPort ?? 0,
    listener: info?.listener ?? '',
    protocol: info?.protocol ?? 'text',
  };
}

/**
 * A handler's context, written out field by field in one literal per shape:
 * spreading the base and adding fields made V8 miss its inline caches on every
 * event (measured: object map transitions were the largest single cost of a
 * pool thread under saturation).
 */
function eventContext(b: BaseContext, session: Session, eventId: string, redelivered: boolean, reason: string | null): EventContext {
  if (reason !== null) {
    const close: CloseContext = {
      clientId: b.clientId, remoteAddress: b.remoteAddress, remotePort: b.remotePort, gatewayId: b.gatewayId,
      gatewayAddress: b.gatewayAddress, gatewayPort: b.gatewayPort, listener: b.listener, protocol: b.protocol,
      session, eventId, redelivered, reason,
    };
    return close;
  }
  return {
    clientId: b.clientId, remoteAddress: b.remoteAddress, remotePort: b.remotePort, gatewayId: b.gatewayId,
    gatewayAddress: b.gatewayAddress, gatewayPort: b.gatewayPort, listener: b.listener, protocol: b.protocol,
    session, eventId, redelivered,
  };
}

const TIMED_OUT = Symbol('timed out');

/** A session rebuilt from a snapshotSession() map (only after a timeout: the handler may still hold the old object). */
function restoreSession(snapshot: ReturnType<typeof snapshotSession>): Session {
  const session: Session = {};
  for (const [k, json] of snapshot) if (json !== 'undefined') session[k] = JSON.parse(json) as unknown;
  return session;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** The handler call for one event, with its arguments decoded from the payload. */
function callFor(events: EventsModule, e: TaskEvent, payloads: Buffer, ctx: EventContext): (() => unknown) | null {
  const id = ctx.clientId;
  switch (e.kind) {
    case EventKind.Connect:
      return events.onConnect ? () => events.onConnect!(id, ctx) : null;
    case EventKind.WebSocketConnect: {
      if (!events.onWebSocketConnect) return null;
      // Version 3 forwards the raw head, derived here; a version-2 gateway sends it derived.
      const payload = JSON.parse(payloads.toString('utf8', e.start, e.end)) as RawHandshake | WebSocketHandshake;
      const handshake = isRawHandshake(payload) ? deriveHandshake(payload) : payload;
      return () => events.onWebSocketConnect!(id, handshake, ctx);
    }
    case EventKind.Message: {
      if (!events.onMessage) return null;
      let message: unknown;
      if (e.payloadKind === PayloadKind.Binary) message = payloads.subarray(e.start, e.end);
      else if (e.payloadKind === PayloadKind.Json) message = JSON.parse(payloads.toString('utf8', e.start, e.end));
      else message = payloads.toString('utf8', e.start, e.end);
      return () => events.onMessage!(id, message, ctx);
    }
    case EventKind.Close:
      return events.onClose ? () => events.onClose!(id, ctx as CloseContext) : null;
  }
}

/**
 * Runs one client's events of a task, one after the other, carrying the
 * session forward: each handler sees what the previous one left, and each
 * handler's top-level changes become its event's patch. A handler that throws
 * is logged and affects only its own event. Resolves after the batch's
 * completion went into the outbox; never rejects.
 */
export async function runClientBatch(client: TaskClient, table: Uint32Array, payloads: Buffer, env: BatchEnvironment): Promise<void> {
  const { events, logger, slots, slot } = env;
  const base = baseContext(client);
  let session: Session = client.snapshot;
  for (const patch of client.pending) session = applySessionPatch(session, patch);
  const patches: (SessionPatch | null)[] = [];
  const timedOut: number[] = [];

  for (let i = client.first; i < client.first + client.count; i++) {
    const e = readTaskEvent(table, i);
    const eventId = `${gatewayIdOf(client.clientId)}-${e.seq}`;
    const ctx = eventContext(base, session, eventId, e.redelivered, e.kind === EventKind.Close ? payloads.toString('utf8', e.start, e.end) : null);
    const failed = (err: unknown): void => {
      logger.error({ err, clientId: client.clientId, eventId }, `${HANDLER_OF[e.kind]} failed`);
    };
    let call: (() => unknown) | null = null;
    try {
      call = callFor(events, e, payloads, ctx);
    } catch (err) {
      failed(err);
    }
    if (call === null) {
      patches.push(null);
      continue;
    }

    const before = snapshotSession(session);
    const current: CurrentEvent = { clientId: client.clientId, ctx, finished: false };
    let result: unknown;
    slots.enter(slot, client.clientId, e.seq);
    try {
      result = currentEvent.run(current, call);
    } catch (err) {
      failed(err);
    } finally {
      slots.leave(slot);
    }
    let gaveUp = false;
    if (isThenable(result)) {
      // A blocked thread is seen by the main thread's watchdog; an awaiting
      // handler that does not settle within processTimeout is given up here:
      // the chain goes on with the client's next event and the late result,
      // if any, is ignored.
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<typeof TIMED_OUT>((resolve) => {
        timer = setTimeout(() => resolve(TIMED_OUT), env.processTimeout);
      });
      try {
        gaveUp = (await Promise.race([result, expired])) === TIMED_OUT;
      } catch (err) {
        failed(err);
      } finally {
        clearTimeout(timer);
      }
      // A late rejection must not surface as unhandled. (The main thread logs the timeout with the completion.)
      if (gaveUp) Promise.resolve(result).catch(() => {});
    }
    current.finished = true;
    if (gaveUp) {
      // What the abandoned handler did to ctx.session is dropped: go on from the session it was given.
      session = restoreSession(before);
      timedOut.push(i - client.first);
      patches.push(null);
      continue;
    }

    if (!isPlainObject(ctx.session)) {
      logger.error({ clientId: client.clientId, eventId }, 'ctx.session was set to something other than an object; the session is now {}');
      ctx.session = {};
    }
    session = ctx.session;
    // A closed client's session is gone with it: a patch would be ignored.
    patches.push(e.kind === EventKind.Close ? null : diffSession(before, session));
  }
  env.outbox.done(client.batch, patches, timedOut);
}
