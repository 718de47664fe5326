/**
 * Which clients of a task have started, in shared memory: one Int32 word per
 * client of the task, in task order. The thread claims a client's word just
 * before running its batch; the main thread may take back a client whose word
 * is still unclaimed, when a handler of the same task blocks the thread (see
 * stall-watchdog.ts), and run that batch elsewhere. The compare-and-exchange
 * decides who wins, so a batch runs exactly once: here, or where it was sent
 * after being taken back.
 */
const UNCLAIMED = 0;
const STARTED = 1;
const TAKEN_BACK = 2;

export function newTaskClaims(clients: number): SharedArrayBuffer {
  return new SharedArrayBuffer(4 * Math.max(1, clients));
}

/** In the thread: true when client k of the task may run here (it was not taken back). */
export function claimToRun(claims: Int32Array, k: number): boolean {
  return Atomics.compareExchange(claims, k, UNCLAIMED, STARTED) === UNCLAIMED;
}

/** In the main thread: true when client k had not started and now never will in this task. */
export function takeBack(claims: Int32Array, k: number): boolean {
  return Atomics.compareExchange(claims, k, UNCLAIMED, TAKEN_BACK) === UNCLAIMED;
}
