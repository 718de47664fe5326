import { EventKind } from '../protocol/constants.js';
import type { SessionPatch } from '../protocol/session-patch.js';
import type { Logger } from '../log/logger.js';
import { mostClientsPlanned, planBatches, type PlannedClient } from './batch-planner.js';
import { SessionView } from './session-view.js';
import { CrashTriage } from './crash-triage.js';
import { packEvents, type QueuedEvent } from './task-packing.js';
import { newTaskClaims, takeBack } from './task-claims.js';
import { ReadyClients, isOpeningKind } from './ready-clients.js';
import type { BatchTask, TaskClient } from './thread-messages.js';
import { hop } from '../util/hop-trace.js';

export type { QueuedEvent };

/** What the dispatcher needs of the link a client's events came on (LinkConnection in the process). */
export interface ClientLink {
  readonly gatewayId: string;
  readonly open: boolean;
  nextPatchId(): number;
  writeSession(clientId: string, patchId: number, patch: SessionPatch): boolean;
  ack(seqs: readonly number[]): void;
}

interface ClientState {
  clientId: string;
  link: ClientLink;
  /** ClientInfo JSON, as the gateway sent it. */
  info: string | null;
  view: SessionView;
  queue: QueuedEvent[];
  head: number;
  running: RunningBatch | null;
  /** Its link closed while a batch ran: forget the client when that batch ends. */
  orphaned: boolean;
  /**
   * How many events at the head of its queue were in a task whose thread died:
   * they run one per task, one task at a time (the isolation lane), so an event
   * that kills its thread again is identified and acked as failed.
   */
  suspect: number;
}

interface RunningBatch {
  id: number;
  /** The task it went out in. */
  task: number;
  client: ClientState;
  link: ClientLink;
  events: QueuedEvent[];
  /** The thread it goes on running in after its task resolved, or null. */
  thread: number | null;
  /** A single suspect event run alone (the isolation lane). */
  isolated: boolean;
}

export interface DispatcherOptions {
  threads: number;
  maxBatchEvents: number;
  /** Default threads × 2. */
  maxTasksInFlight?: number;
  /** Hands a task to the pool; rejects when it did not run to its end (its thread died). */
  runTask(task: BatchTask, transfer: ArrayBuffer[]): Promise<void>;
  logger: Logger;
}

/**
 * The main thread's per-client ordering. Each client (by client id) has a FIFO
 * of received events, its session view and at most one batch running: a
 * client's events run strictly in order, never two at once, and its next batch
 * goes out only when the previous one completed. Ready clients (events queued,
 * nothing running) are handed to the pool in batches (batch-planner.ts).
 *
 * A batch is a client's queued events up to, not including, the next event
 * that brings session bytes: the thread carries the session forward through a
 * batch, so a batch starts from one session view.
 *
 * On completion (which the thread sends after the handlers' commands, on the
 * same ordered channel) each handler's patch gets its patch id, joins the
 * pending list and is written as a Session command, then the batch's events are
 * acked, then the client's next events are dispatched.
 *
 * When a thread dies (a task rejected, or a background batch's thread exited),
 * every event of its batches goes back to the front of its client's queue,
 * flagged redelivered and suspect. Suspect events run in the isolation lane:
 * one event per task, one such task at a time in the process. One that kills
 * its thread again is the poison: logged with its client id and event id,
 * counted, acked as failed. An event the watchdog found blocking its thread
 * past processTimeout (noteTimedOut) is acked as failed, never run again.
 */
export class Dispatcher {
  readonly #opts: DispatcherOptions;
  readonly #maxTasksInFlight: number;
  readonly #clients = new Map<string, ClientState>();
  /** Clients with events to run and none running: open clients first, then those whose next event is their connect. */
  readonly #ready = new ReadyClients<ClientState>((c) => isOpeningKind(c.queue[c.head]!.kind));
  readonly #running = new Map<number, RunningBatch>();
  /** Tasks handed to the pool whose end has not been heard of yet, with their batches in task order. */
  readonly #tasks = new Map<number, { claims: Int32Array; batches: RunningBatch[] }>();
  #nextTask = 1;
  #nextBatch = 1;
  #scheduled = false;
  #stopped = false;
  #idleWaiters: (() => void)[] = [];
  /** Clients with suspect events, waiting for the isolation lane, oldest first. */
  readonly #isolation = new Set<ClientState>();
  /** The isolated batch in flight, or null. */
  #isolating: RunningBatch | null = null;
  readonly stats = {
    /** Events received from gateways (redeliveries included). */
    events: 0,
    /** Events whose handler ran to the end (returned, resolved or threw) and were acked. */
    handled: 0,
    /** Events received flagged as redeliveries by their gateway (duplicates, at-least-once). */
    redelivered: 0,
    batches: 0,
    tasks: 0,
    /** Events acked without being handled: their thread died twice, or their handler ran past processTimeout. */
    failedEvents: 0,
    /** Of failedEvents and handled: events whose handler ran past processTimeout. */
    timedOutEvents: 0,
    /** Events that went back to the isolation lane after their thread died. */
    isolatedEvents: 0,
    /** Batches taken back before they started, because a handler of their task blocked its thread. */
    takenBack: 0,
    /** Clients forgotten because their gateway moved them to another worker (Forget). */
    forgotten: 0,
  };

  readonly #triage: CrashTriage;

  constructor(opts: DispatcherOptions) {
    this.#opts = opts;
    this.#triage = new CrashTriage(opts.logger, this.stats);
    this.#maxTasksInFlight = opts.maxTasksInFlight ?? Math.max(2, opts.threads * 2);
  }

  /** Clients with state here (queued, running, or pinned with a session view). */
  get clients(): number {
    return this.#clients.size;
  }
  get runningBatches(): number {
    return this.#running.size;
  }
  get tasksInFlight(): number {
    return this.#tasks.size;
  }

  /** Events received and not yet acked (queued and running). */
  get inFlight(): number {
    let n = 0;
    for (const c of this.#clients.values()) {
      if (c.orphaned) continue;
      n += c.queue.length - c.head;
      if (c.running !== null) n += c.running.events.length;
    }
    return n;
  }

  /** Whether nothing is queued or running. */
  get idle(): boolean {
    if (this.#running.size > 0) return false;
    for (const c of this.#clients.values()) if (c.head < c.queue.length) return false;
    return true;
  }

  /**
   * The watchdog found this event's handler blocking its thread past
   * processTimeout, and has the thread replaced: the event is acked as failed
   * when the batch fails, not run again.
   */
  noteTimedOut(clientId: string, seq: number): void {
    this.#triage.noteTimedOut(clientId, seq);
  }

  /**
   * The handler of clientId has been blocking its thread for a while (the
   * watchdog saw it): the clients of its task that have not started yet are
   * taken back and go out again in another task, so no client waits behind
   * another's blocking handler longer than the watchdog's look. Returns how
   * many were taken back.
   */
  takeBackBehind(clientId: string): number {
    const blocking = this.#clients.get(clientId)?.running;
    const task = blocking === undefined || blocking === null ? undefined : this.#tasks.get(blocking.task);
    if (task === undefined) return 0; // its task already ended: the handler runs in the background, alone
    let n = 0;
    for (const [k, b] of task.batches.entries()) {
      if (b === blocking || this.#running.get(b.id) !== b || !takeBack(task.claims, k)) continue;
      this.#running.delete(b.id);
      const c = b.client;
      c.running = null;
      if (b.link === c.link && b.link.open) {
        // Back to the front of its queue, as they were: its receipt rules were applied at
        // dispatch and apply again, unchanged (nothing of this client completed meanwhile).
        c.queue = b.events.concat(c.queue.slice(c.head));
        c.head = 0;
      }
      n++;
      this.#afterRun(c, b);
    }
    this.stats.takenBack += n;
    return n;
  }

  receive(link: ClientLink, clientId: string, info: string | null, event: QueuedEvent): void {
    this.stats.events++;
    if (event.redelivered) this.stats.redelivered++;
    let c = this.#clients.get(clientId);
    if (c === undefined) {
      c = { clientId, link, info, view: new SessionView(), queue: [], head: 0, running: null, orphaned: false, suspect: 0 };
      this.#clients.set(clientId, c);
      if (event.session === null) {
        // The gateway sends the session with a link's first event of a client; without
        // it, the gateway believes this worker knows a session it does not.
        this.#opts.logger.warn({ clientId, seq: event.seq }, 'first event of a client came without its session; starting from {}');
      }
    } else if (c.link !== link) {
      // The client comes on another link now (a gateway reconnect): a new session
      // view and patch id space. A batch still running from the old link only
      // finishes; its results are dropped (the gateway redelivers its events).
      this.#ready.delete(c);
      this.#isolation.delete(c);
      c.link = link;
      c.view = new SessionView();
      c.queue = [];
      c.head = 0;
      c.info = null;
      c.orphaned = false;
      c.suspect = 0;
    }
    if (info !== null) c.info = info;
    c.queue.push(event);
    if (c.running === null && c.suspect === 0 && !this.#ready.has(c)) {
      this.#ready.add(c);
      this.#schedule();
    }
  }

  /** A Session command this worker sent for a client outside its handlers: its view must include it. */
  notePatch(clientId: string, link: ClientLink, patchId: number, patch: SessionPatch): void {
    const c = this.#clients.get(clientId);
    if (c !== undefined && c.link === link) c.view.add(patchId, patch);
  }

  /**
   * A batch finished in its thread. `timedOut`: indexes (in the batch) of events
   * whose handler's promise had not settled after processTimeout: acked as
   * failed (see crash-triage.ts).
   */
  complete(batchId: number, patches: (SessionPatch | null)[], timedOut: readonly number[] = []): void {
    const b = this.#running.get(batchId);
    if (b === undefined) return; // its thread died and the batch was failed, or it belongs to a dropped link
    this.#running.delete(batchId);
    const c = b.client;
    c.running = null;
    this.#leaveLane(b);
    if (b.link === c.link && b.link.open) {
      this.stats.handled += b.events.length - timedOut.length;
      this.#triage.completed(c.clientId, b.link.gatewayId, b.events, timedOut);
      this.#foldLaterReceipts(c, b);
      for (let i = 0; i < b.events.length; i++) {
        const patch = patches[i];
        if (patch === null || patch === undefined) continue;
        const id = b.link.nextPatchId();
        c.view.add(id, patch);
        b.link.writeSession(c.clientId, id, patch);
      }
      b.link.ack(b.events.map((e) => e.seq));
    }
    this.#afterRun(c, b);
  }

  /** A pool thread exited: batches it was still running in the background failed. */
  threadExited(threadId: number, reason: string): void {
    for (const b of [...this.#running.values()]) if (b.thread === threadId) this.#fail(b, reason);
  }

  /** A link closed: its clients' queued events will be redelivered by the gateway elsewhere; forget them. */
  linkClosed(link: ClientLink): void {
    for (const c of [...this.#clients.values()]) {
      if (c.link !== link) continue;
      this.#ready.delete(c);
      this.#isolation.delete(c);
      c.queue = [];
      c.head = 0;
      c.suspect = 0;
      if (c.running !== null) c.orphaned = true;
      else this.#clients.delete(c.clientId);
    }
  }

  /**
   * The gateway moved this client from `link` to another worker (after a
   * Drain; it does so only with nothing of the client in flight on the link):
   * its state here goes. Kept if, against that, something of it is queued or
   * running here (the link's close forgets it then).
   */
  forget(link: ClientLink, clientId: string): void {
    const c = this.#clients.get(clientId);
    if (c === undefined || c.link !== link || c.running !== null || c.head < c.queue.length) return;
    this.#ready.delete(c);
    this.#isolation.delete(c);
    this.#clients.delete(clientId);
    this.stats.forgotten++;
  }

  /** Takes no more events to the pool (queued ones stay unacknowledged: the gateway redelivers them). */
  stop(): void {
    this.#stopped = true;
    this.#ready.clear();
    this.#isolation.clear();
  }

  /** Resolves true when no batch runs, or false after timeoutMs. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.#running.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /**
   * While a thread is idle, ready clients go out at the end of the current
   * microtask burst (the events of one link read join one task; nothing waits
   * for a batch to fill when there is nothing else to do). Once every thread
   * has a task, the next one (each thread's queued task, up to
   * maxTasksInFlight) gathers what every link brings in this event-loop turn;
   * with no slot left, the next task's end (taskRan) dispatches, and what
   * arrived meanwhile goes out together: under load tasks grow by themselves.
   */
  #schedule(): void {
    if (this.#scheduled || this.#stopped) return;
    if (this.#tasks.size >= this.#maxTasksInFlight) return;
    this.#scheduled = true;
    if (this.#tasks.size < this.#opts.threads) queueMicrotask(this.#dispatch);
    else setImmediate(this.#dispatch);
  }

  readonly #dispatch = (): void => {
    hop('w.dispatch');
    this.#scheduled = false;
    if (this.#stopped) return;
    const limits = {
      threads: this.#opts.threads,
      tasksInFlight: this.#tasks.size,
      maxTasksInFlight: this.#maxTasksInFlight,
      maxBatchEvents: this.#opts.maxBatchEvents,
    };
    const plan = planBatches(this.#ready.inPlanOrder(mostClientsPlanned(limits)), (c) => this.#available(c), limits);
    for (const task of plan) this.#runTask(task);
    this.#runIsolated();
  };

  /** The next suspect event, alone in its task, when the lane is free and a task slot is. */
  #runIsolated(): void {
    if (this.#isolating !== null || this.#tasks.size >= this.#maxTasksInFlight) return;
    for (const c of this.#isolation) {
      if (c.running !== null) continue;
      this.#isolation.delete(c);
      this.#runTask([{ client: c, events: 1 }], true);
      return;
    }
  }

  #leaveLane(b: RunningBatch): void {
    if (!b.isolated) return;
    b.client.suspect = Math.max(0, b.client.suspect - 1);
    if (this.#isolating === b) this.#isolating = null;
  }

  /** Events of c that may run as one batch: up to the next event that brings session bytes. */
  #available(c: ClientState): number {
    const max = Math.min(c.queue.length - c.head, this.#opts.maxBatchEvents);
    let n = 1;
    while (n < max && c.queue[c.head + n]!.session === null) n++;
    return n;
  }

  #runTask(planned: PlannedClient<ClientState>[], isolated = false): void {
    const taken: { c: ClientState; events: QueuedEvent[] }[] = [];
    let bytes = 0;
    let count = 0;
    for (const { client: c, events: n } of planned) {
      this.#ready.delete(c);
      const events = c.queue.slice(c.head, c.head + n);
      c.head += n;
      if (c.head >= c.queue.length) {
        c.queue = [];
        c.head = 0;
      }
      for (const e of events) bytes += e.payload.length;
      count += events.length;
      taken.push({ c, events });
    }

    const { payloads, table, firsts } = packEvents(taken.map((t) => t.events), bytes, count);
    const taskId = this.#nextTask++;
    const clients: TaskClient[] = [];
    const ids: number[] = [];
    const batches: RunningBatch[] = [];
    for (const [k, { c, events }] of taken.entries()) {
      const head = events[0]!;
      c.view.receive(head.session, head.sessionVersion, head.patchAck);
      const first = firsts[k]!;
      const batch: RunningBatch = { id: this.#nextBatch++, task: taskId, client: c, link: c.link, events, thread: null, isolated };
      batches.push(batch);
      if (isolated) this.#isolating = batch;
      c.running = batch;
      this.#running.set(batch.id, batch);
      ids.push(batch.id);
      // The snapshot and patches are serialized when piscina posts the task; the
      // dispatcher changes neither before this batch completes (see session-view.ts).
      clients.push({
        batch: batch.id,
        clientId: c.clientId,
        info: c.info,
        snapshot: c.view.snapshot,
        pending: c.view.pendingPatches(),
        first,
        count: events.length,
      });
    }

    const claims = newTaskClaims(clients.length);
    this.#tasks.set(taskId, { claims: new Int32Array(claims), batches });
    this.stats.tasks++;
    this.stats.batches += clients.length;
    // Success is heard on the thread's channel (taskRan, after the task's completions); only failure here.
    this.#opts.runTask({ id: taskId, payloads, events: table.buffer as ArrayBuffer, clients, claims }, [payloads, table.buffer as ArrayBuffer]).then(
      () => {},
      (err: unknown) => {
        const reason = err instanceof Error ? err.message : String(err);
        for (const id of ids) {
          const b = this.#running.get(id);
          if (b !== undefined) this.#fail(b, reason);
        }
        this.#tasks.delete(taskId);
        this.#schedule();
      },
    );
  }

  /**
   * A task ended in thread `threadId` (its one report, on the thread's channel,
   * after its completions); `background` are its batches still running there.
   * Ignored when the task was already failed (its thread died).
   */
  taskRan(taskId: number, threadId: number, background: readonly number[]): void {
    if (!this.#tasks.delete(taskId)) return;
    for (const id of background) {
      const b = this.#running.get(id);
      if (b !== undefined) b.thread = threadId;
    }
    this.#schedule();
  }

  /** Receipt rules of a batch's later events (folds only: a batch never holds later session bytes). */
  #foldLaterReceipts(c: ClientState, b: RunningBatch): void {
    for (let i = 1; i < b.events.length; i++) {
      const e = b.events[i]!;
      c.view.receive(null, e.sessionVersion, e.patchAck);
    }
  }

  /**
   * A batch whose thread died. Its events go back to the front of the client's
   * queue as suspects (flagged redelivered) for the isolation lane; an isolated
   * event whose thread died again, or one the watchdog timed out, is acked as
   * failed, so a poison event neither stalls its client nor kills threads forever.
   */
  #fail(b: RunningBatch, reason: string): void {
    this.#running.delete(b.id);
    const c = b.client;
    c.running = null;
    const wasIsolated = b.isolated;
    this.#leaveLane(b);
    if (b.link === c.link && b.link.open) {
      const { again, failed } = this.#triage.threadDied(c.clientId, b.link.gatewayId, b.events, wasIsolated, reason);
      if (again.length > 0) {
        c.queue = again.concat(c.queue.slice(c.head));
        c.head = 0;
        c.suspect += again.length;
        this.#ready.delete(c);
      }
      if (failed.length > 0) {
        // The session changes of the failed events are lost with their thread; the later receipts still fold.
        this.#foldLaterReceipts(c, b);
        b.link.ack(failed.map((e) => e.seq));
      }
    }
    this.#afterRun(c, b);
  }

  #afterRun(c: ClientState, b: RunningBatch): void {
    const closed = b.link === c.link && b.events[b.events.length - 1]!.kind === EventKind.Close && c.head >= c.queue.length;
    if (c.head < c.queue.length) {
      if (!this.#stopped) {
        if (c.suspect > 0) this.#isolation.add(c);
        else this.#ready.add(c);
        this.#schedule();
      }
    } else if ((closed || c.orphaned) && this.#clients.get(c.clientId) === c) {
      this.#clients.delete(c.clientId);
    }
    if (this.#isolation.size > 0 && this.#isolating === null) this.#schedule();
    if (this.#running.size === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}
