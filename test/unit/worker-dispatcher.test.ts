/**
 * The Dispatcher's decisions with a fake pool: tasks are recorded and completed
 * by the test, so what is in flight when is exact.
 */
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { test } from 'node:test';
import { EventKind, SessionPatchKind, type SessionPatch } from '../../src/protocol/index.js';
import { createLogger } from '../../src/log/logger.js';
import { Dispatcher, type ClientLink, type QueuedEvent } from '../../src/worker/dispatcher.js';
import { readTaskEvent, type BatchTask, type TaskEvent } from '../../src/worker/thread-messages.js';

const A = 'aaaaaaaaaaaa000000000001';
const B = 'aaaaaaaaaaaa000000000002';

class FakeClientLink implements ClientLink {
  gatewayId = 'aaaaaaaaaaaa';
  open = true;
  patchId = 0;
  written: { clientId: string; id: number; patch: SessionPatch }[] = [];
  acks: number[][] = [];
  nextPatchId(): number {
    return ++this.patchId;
  }
  writeSession(clientId: string, id: number, patch: SessionPatch): boolean {
    this.written.push({ clientId, id, patch });
    return true;
  }
  ack(seqs: readonly number[]): void {
    this.acks.push([...seqs]);
  }
}

/** The events of one client of a task, unpacked. */
function eventsOf(task: BatchTask, clientIndex = 0): TaskEvent[] {
  const c = task.clients[clientIndex]!;
  const table = new Uint32Array(task.events);
  return Array.from({ length: c.count }, (_, i) => readTaskEvent(table, c.first + i));
}

interface Recorded {
  task: BatchTask;
  /** The thread reports the task's end on its channel (taskRan), then piscina's promise resolves. */
  resolve(r: { threadId: number; background: number[] }): void;
  reject(e: Error): void;
}

function setup(threads = 2) {
  const tasks: Recorded[] = [];
  const d: Dispatcher = new Dispatcher({
    threads,
    maxBatchEvents: 256,
    logger: createLogger('test', {}, 'silent'),
    runTask: (task) =>
      new Promise<void>((resolve, reject) =>
        tasks.push({
          task,
          resolve: (r) => {
            d.taskRan(task.id, r.threadId, r.background);
            resolve();
          },
          reject,
        }),
      ),
  });
  return { d, tasks, link: new FakeClientLink() };
}

let seq = 0;
function ev(o: Partial<QueuedEvent> = {}): QueuedEvent {
  return {
    seq: ++seq,
    kind: EventKind.Message,
    payloadKind: 0,
    redelivered: false,
    session: null,
    sessionVersion: 1,
    patchAck: 0,
    payload: Buffer.from(`m${seq}`),
    ...o,
  };
}
const nick: SessionPatch = { kind: SessionPatchKind.Diff, set: { nick: 'ann' }, del: [] };

test('a client never has two batches in flight; its next events go out after the completion', async () => {
  const { d, tasks, link } = setup();
  const first = ev({ session: {} });
  d.receive(link, A, null, first);
  await turn();
  assert.equal(tasks.length, 1);
  const [c] = tasks[0]!.task.clients;
  assert.deepEqual(eventsOf(tasks[0]!.task).map((e) => e.seq), [first.seq]);

  const second = ev();
  const third = ev();
  d.receive(link, A, null, second);
  d.receive(link, A, null, third);
  await turn();
  assert.equal(tasks.length, 1, 'nothing dispatched while the batch runs');

  tasks[0]!.resolve({ threadId: 1, background: [] });
  d.complete(c!.batch, [nick]);
  assert.deepEqual(link.written, [{ clientId: A, id: 1, patch: nick }]);
  assert.deepEqual(link.acks, [[first.seq]]);
  await turn();
  assert.equal(tasks.length, 2);
  const next = tasks[1]!.task.clients[0]!;
  assert.deepEqual(eventsOf(tasks[1]!.task).map((e) => e.seq), [second.seq, third.seq]);
  // The next batch sees the first batch's change as a pending patch.
  assert.deepEqual(next.pending, [nick]);
  // Payloads are packed into the transferred buffer.
  const bytes = Buffer.from(tasks[1]!.task.payloads);
  assert.deepEqual(eventsOf(tasks[1]!.task).map((e) => bytes.toString('utf8', e.start, e.end)), [`m${second.seq}`, `m${third.seq}`]);
});

test('a batch ends before an event that brings session bytes', async () => {
  const { d, tasks, link } = setup();
  const e1 = ev({ session: { v: 1 } });
  const e2 = ev();
  const e3 = ev({ session: { v: 2 }, sessionVersion: 2 });
  for (const e of [e1, e2, e3]) d.receive(link, A, null, e);
  await turn();
  const c = tasks[0]!.task.clients[0]!;
  assert.deepEqual(eventsOf(tasks[0]!.task).map((e) => e.seq), [e1.seq, e2.seq]);
  assert.deepEqual(c.snapshot, { v: 1 });
  d.complete(c.batch, [null, null]);
  tasks[0]!.resolve({ threadId: 1, background: [] });
  await turn();
  assert.deepEqual(tasks[1]!.task.clients[0]!.snapshot, { v: 2 });
});

test('two ready clients with two idle threads go into two tasks', async () => {
  const { d, tasks, link } = setup(2);
  d.receive(link, A, null, ev({ session: {} }));
  d.receive(link, B, null, ev({ session: {} }));
  await turn();
  assert.deepEqual(tasks.map((t) => t.task.clients.map((c) => c.clientId)), [[A], [B]]);
});

test('a batch whose thread died runs once more, flagged redelivered; twice failed, it is acked', async () => {
  const { d, tasks, link } = setup();
  const e = ev({ session: {} });
  d.receive(link, A, null, e);
  await turn();
  tasks[0]!.reject(new Error('worker exited with code: 1'));
  await turn();
  await turn();
  assert.equal(tasks.length, 2);
  assert.equal(eventsOf(tasks[1]!.task)[0]!.redelivered, true);
  assert.deepEqual(link.acks, []);
  // This time the task resolved but the batch went on in the background of a thread that then died.
  tasks[1]!.resolve({ threadId: 7, background: [tasks[1]!.task.clients[0]!.batch] });
  await turn();
  d.threadExited(7, 'thread exited with code 1');
  assert.deepEqual(link.acks, [[e.seq]]);
  assert.equal(d.stats.failedEvents, 1);
  assert.equal(d.runningBatches, 0);
});

test('when its link closes, a client is forgotten (after its running batch) and the results are dropped', async () => {
  const { d, tasks, link } = setup();
  d.receive(link, A, null, ev({ session: {} }));
  await turn();
  d.receive(link, A, null, ev());
  link.open = false;
  d.linkClosed(link);
  assert.equal(d.clients, 1, 'kept while its batch runs');
  d.complete(tasks[0]!.task.clients[0]!.batch, [nick]);
  assert.deepEqual(link.written, []);
  assert.deepEqual(link.acks, []);
  assert.equal(d.clients, 0);
});

test('a close event forgets the client once handled', async () => {
  const { d, tasks, link } = setup();
  d.receive(link, A, null, ev({ session: {} }));
  d.receive(link, A, null, ev({ kind: EventKind.Close }));
  await turn();
  assert.equal(d.clients, 1);
  d.complete(tasks[0]!.task.clients[0]!.batch, [null, null]);
  assert.equal(d.clients, 0);
});

test('stop: nothing more is dispatched, and whenIdle waits for running batches', async () => {
  const { d, tasks, link } = setup();
  d.receive(link, A, null, ev({ session: {} }));
  await turn();
  d.receive(link, B, null, ev({ session: {} }));
  d.stop();
  await turn();
  assert.equal(tasks.length, 1);
  const idle = d.whenIdle(1000);
  d.complete(tasks[0]!.task.clients[0]!.batch, [null]);
  assert.equal(await idle, true);
  assert.equal(await d.whenIdle(10), true);
});

test("a task counts as ended when its thread says so, even before piscina's result arrives", async () => {
  const { d, tasks, link } = setup(2);
  d.receive(link, A, null, ev({ session: {} }));
  await turn();
  const c = tasks[0]!.task.clients[0]!;
  // The thread's report (same channel as the completion) comes first; piscina's result is still on its way.
  d.complete(c.batch, [null]);
  d.taskRan(tasks[0]!.task.id, 1, []);
  assert.equal(d.tasksInFlight, 0);
  d.receive(link, A, null, ev());
  d.receive(link, B, null, ev({ session: {} }));
  await turn();
  assert.deepEqual(tasks.slice(1).map((t) => t.task.clients.map((x) => x.clientId)), [[A], [B]], 'both threads are used');
  tasks[0]!.resolve({ threadId: 1, background: [] });
  await turn();
  assert.equal(d.tasksInFlight, 2, 'the late result changes nothing');
});

/** A client id of the fake gateway, numbered. */
const idOf = (n: number): string => `aaaaaaaaaaaa${String(n).padStart(12, '0')}`;

/** Completes every batch of a recorded task, then reports the task's end. */
function finish(d: Dispatcher, r: Recorded): void {
  for (const c of r.task.clients) d.complete(c.batch, Array.from({ length: c.count }, () => null));
  r.resolve({ threadId: 1, background: [] });
}

test("during a connect storm, an open client's message goes into the next task, not behind the ready connects", async () => {
  const { d, tasks, link } = setup(1);
  const open = idOf(1);
  d.receive(link, open, null, ev({ kind: EventKind.Connect, session: {} }));
  await turn();
  finish(d, tasks[0]!);
  await turn();
  for (let n = 2; n < 3002; n++) d.receive(link, idOf(n), null, ev({ kind: EventKind.Connect, session: {} }));
  await turn();
  assert.equal(tasks.length, 3, 'one thread: a running and a waiting task of connects');
  const message = ev();
  d.receive(link, open, null, message);
  finish(d, tasks[1]!);
  await turn();
  const next = tasks[3]!.task;
  assert.equal(next.clients[0]!.clientId, open, 'the message is first in the next task, ahead of 2,488 ready connects');
  assert.deepEqual(eventsOf(next, 0).map((e) => e.seq), [message.seq]);
  assert.equal(next.clients.length, 256, 'connects fill the rest of it');
});

test('open clients that keep the pool busy still leave a quarter of each plan to waiting connects', async () => {
  const { d, tasks, link } = setup(1);
  for (let n = 1; n <= 1000; n++) d.receive(link, idOf(n), null, ev({ kind: EventKind.Connect, session: {} }));
  const finished = new Set<Recorded>();
  for (;;) {
    await turn();
    const left = tasks.filter((t) => !finished.has(t));
    if (left.length === 0) break;
    for (const t of left) {
      finished.add(t);
      finish(d, t);
    }
  }
  // 1,000 open clients with a message each, then 1,000 new clients' connects, all ready at once.
  const before = tasks.length;
  for (let n = 1; n <= 1000; n++) d.receive(link, idOf(n), null, ev());
  for (let n = 1001; n <= 2000; n++) d.receive(link, idOf(n), null, ev({ kind: EventKind.Connect, session: {} }));
  await turn();
  const planned = tasks.slice(before).flatMap((t) => t.task.clients.map((c) => Number(c.clientId.slice(12))));
  assert.equal(planned.length, 512, 'two tasks of 256 (a running and a waiting one)');
  const connects = planned.filter((n) => n > 1000).length;
  assert.equal(connects, 128, 'a quarter of the plan went to connects');
  assert.ok(planned.slice(0, 384).every((n) => n <= 1000), 'open clients first');
});
