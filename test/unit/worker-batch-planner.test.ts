import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planBatches, type PlanLimits } from '../../src/worker/batch-planner.js';

const limits = (o: Partial<PlanLimits> = {}): PlanLimits => ({ threads: 2, tasksInFlight: 0, maxTasksInFlight: 4, maxBatchEvents: 256, ...o });
const shape = (plan: { client: string; events: number }[][]): string[][] => plan.map((t) => t.map((p) => `${p.client}:${p.events}`));

test('with idle threads, ready clients are spread over them', () => {
  const plan = planBatches(['a', 'b'], () => 1, limits());
  assert.deepEqual(shape(plan), [['a:1'], ['b:1']]);
  const many = planBatches(['a', 'b', 'c', 'd', 'e'], () => 3, limits());
  assert.deepEqual(shape(many), [['a:3', 'c:3', 'e:3'], ['b:3', 'd:3']]);
});

test('with one idle thread left, every ready client goes into one task', () => {
  const plan = planBatches(['a', 'b', 'c'], () => 2, limits({ tasksInFlight: 1 }));
  assert.deepEqual(shape(plan), [['a:2', 'b:2', 'c:2']]);
});

test('with every thread busy, a free slot takes everything in one task', () => {
  const plan = planBatches(['a', 'b', 'c'], () => 5, limits({ tasksInFlight: 3 }));
  assert.deepEqual(shape(plan), [['a:5', 'b:5', 'c:5']]);
});

test('no free slot: nothing is planned, clients wait and accumulate', () => {
  assert.deepEqual(planBatches(['a'], () => 1, limits({ tasksInFlight: 4 })), []);
  assert.deepEqual(planBatches([], () => 1, limits()), []);
});

test('maxBatchEvents bounds a task; the overflow opens more tasks while slots last', () => {
  const plan = planBatches(['a', 'b', 'c'], () => 6, limits({ tasksInFlight: 2, maxTasksInFlight: 4, maxBatchEvents: 10 }));
  assert.deepEqual(shape(plan), [['a:6', 'b:4'], ['c:6']]);
  // One slot only: the client that does not fit stays ready for later.
  const tight = planBatches(['a', 'b', 'c'], () => 6, limits({ tasksInFlight: 3, maxTasksInFlight: 4, maxBatchEvents: 10 }));
  assert.deepEqual(shape(tight), [['a:6', 'b:4']]);
});

test('a client with more events than a task holds gets a task-full share', () => {
  const plan = planBatches(['a'], () => 1000, limits({ maxBatchEvents: 256 }));
  assert.deepEqual(shape(plan), [['a:256']]);
});
