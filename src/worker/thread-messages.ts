/**
 * What a business-worker process's main thread and its pool threads say to each
 * other. Each thread has one channel, a MessagePort it creates and hands to the
 * main thread in its 'hello' (its only message on parentPort, which piscina
 * re-emits as the pool's 'message'); besides it, tasks come through piscina.
 *
 * - main → thread, tasks: a piscina task is a BatchTask (several clients, each
 *   with its next events and session view). It resolves with nothing; it
 *   rejects when the thread died before the task's end was reported.
 * - thread → main, on the port: everything a thread produces — API commands,
 *   session patches for other clients, queries, each batch's completion and
 *   each task's end — so the main thread sees a handler's commands before the
 *   completion of its event, and a task's completions before its end. Start
 *   and stop are reported here too.
 * - main → thread, on the port: the thread's index, query replies, stop.
 */
import type { MessagePort } from 'node:worker_threads';
import type { EventKind, PayloadKind } from '../protocol/constants.js';
import type { Session, SessionPatch } from '../protocol/session-patch.js';

/** Given to every pool thread as piscina's workerData. */
export interface ThreadWorkerData {
  processIndex: number;
  /** Absolute path of the app's events module. */
  eventsModule: string;
  logLevel: string;
  /** Milliseconds after which a running handler is reported. */
  processTimeout: number;
  /** Where each thread notes the handler it is running synchronously (see running-slots.ts). */
  runningSlots: SharedArrayBuffer;
}

/**
 * One piscina task: several clients, each with a run of its queued events.
 * Event descriptions are packed into a typed array and payloads into one buffer,
 * both transferred: structured-cloning hundreds of small objects per task was
 * the largest cost of the main thread.
 */
export interface BatchTask {
  /** Unique in the process; the thread names it when the task ends. */
  id: number;
  /** Every payload of the task, back to back; transferred, not copied. */
  payloads: ArrayBuffer;
  /** TASK_EVENT_FIELDS u32 per event (see writeTaskEvent); transferred. */
  events: ArrayBuffer;
  clients: TaskClient[];
  /** One Int32 word per client, shared: which clients started here (see task-claims.ts). */
  claims: SharedArrayBuffer;
}

export interface TaskClient {
  /** Identifies this run of this client's events; its completion names it. Unique in the process. */
  batch: number;
  clientId: string;
  /** The client's info as the gateway sent it (ClientInfo JSON), or null when this link never got it. */
  info: string | null;
  /** The client's session view at the first event: the snapshot with the pending patches applied over it, in order. */
  snapshot: Session;
  pending: SessionPatch[];
  /** Its events are entries first .. first+count-1 of BatchTask.events. */
  first: number;
  count: number;
}

export interface TaskEvent {
  seq: number;
  kind: EventKind;
  payloadKind: PayloadKind;
  redelivered: boolean;
  /** Payload byte range in BatchTask.payloads. */
  start: number;
  end: number;
}

/** u32 fields per packed event: seq, kind | payloadKind << 8 | redelivered << 16, start, end. */
export const TASK_EVENT_FIELDS = 4;

export function writeTaskEvent(table: Uint32Array, index: number, e: TaskEvent): void {
  const o = index * TASK_EVENT_FIELDS;
  table[o] = e.seq;
  table[o + 1] = e.kind | (e.payloadKind << 8) | (e.redelivered ? 1 << 16 : 0);
  table[o + 2] = e.start;
  table[o + 3] = e.end;
}

export function readTaskEvent(table: Uint32Array, index: number): TaskEvent {
  const o = index * TASK_EVENT_FIELDS;
  const bits = table[o + 1]!;
  return {
    seq: table[o]!,
    kind: (bits & 0xff) as EventKind,
    payloadKind: ((bits >> 8) & 0xff) as PayloadKind,
    redelivered: (bits & (1 << 16)) !== 0,
    start: table[o + 2]!,
    end: table[o + 3]!,
  };
}

/** Items of a thread's output message, in the order they were produced. */
export type OutputItem =
  /** A whole Command frame in OutputMessage.bytes[start, end), for one gateway or (null) every gateway. */
  | { k: 'command'; gateway: string | null; start: number; end: number }
  /** A Replace or Merge patch of a client's session; the main thread gives it its patch id. */
  | { k: 'session'; clientId: string; patch: SessionPatch }
  /** A query to one gateway (client-addressed) or (null) every gateway; answered with a 'reply'. */
  | { k: 'query'; id: number; op: string; args: unknown[]; gateway: string | null }
  /**
   * A batch finished: one entry per event, the Diff patch its handler made or
   * null; `timedOut` lists the indexes of events whose handler's promise had
   * not settled after processTimeout (acked as failed, their late result ignored).
   */
  | { k: 'done'; batch: number; patches: (SessionPatch | null)[]; timedOut?: number[] }
  /**
   * The task's synchronous part ended (after the completions it produced):
   * `background` are its batches still running (their handlers await
   * something); they complete later, from this thread. The only report of a
   * task's end: piscina's result carries nothing.
   */
  | { k: 'ran'; task: number; background: number[] };

export interface OutputMessage {
  type: 'output';
  threadId: number;
  /** Encoded command frames; transferred. Null when the message has no command. */
  bytes: ArrayBuffer | null;
  items: OutputItem[];
}

export type ThreadToMain =
  /** On parentPort, first: the thread's channel, and a request for its index. */
  | { type: 'hello'; threadId: number; port: MessagePort }
  /** onWorkerStart finished (or there is none): the thread takes events. */
  | { type: 'started'; threadId: number; threadIndex: number }
  /** The events module did not load or onWorkerStart threw. */
  | { type: 'start-failed'; threadId: number; error: string }
  | OutputMessage
  /** onWorkerStop finished (or threw; it is logged by the thread). */
  | { type: 'stopped'; threadId: number };

export type MainToThread =
  | { type: 'index'; threadIndex: number }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: string }
  | { type: 'stop' };

export function isThreadToMain(value: unknown): value is ThreadToMain {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' &&
    typeof (value as { threadId?: unknown }).threadId === 'number';
}
