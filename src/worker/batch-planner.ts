/**
 * Which ready clients go into which pool tasks. A task costs tens of
 * microseconds, so tasks carry many clients; but clients in one task share a
 * thread, so while threads are idle the ready clients are spread over them (two
 * clients whose handlers block each get a thread). Once every thread is busy, a
 * free task slot takes every ready client in one task, and what arrives
 * meanwhile accumulates into the next one: under load tasks grow by themselves.
 */
export interface PlanLimits {
  /** Threads in the pool. */
  threads: number;
  /** Tasks handed to the pool and not yet resolved. */
  tasksInFlight: number;
  /** Most tasks in flight (threads × 2: one running and one waiting per thread). */
  maxTasksInFlight: number;
  /** Most events in one task. */
  maxBatchEvents: number;
}

export interface PlannedClient<C> {
  client: C;
  /** How many of its queued events go into the task (from the head of its queue). */
  events: number;
}

/** Every planned client takes at least one event: no more than this many clients fit in one plan. */
export function mostClientsPlanned(limits: PlanLimits): number {
  return Math.max(0, limits.maxTasksInFlight - limits.tasksInFlight) * limits.maxBatchEvents;
}

/**
 * Plans tasks for ready clients, in the order given (the dispatcher gives open
 * clients first, then those whose next event is their connect; each oldest
 * ready first).
 * `available(c)` is how many events of c may go into one run. Clients not
 * planned stay ready for a later call.
 */
export function planBatches<C>(ready: Iterable<C>, available: (client: C) => number, limits: PlanLimits): PlannedClient<C>[][] {
  const slots = limits.maxTasksInFlight - limits.tasksInFlight;
  if (slots <= 0) return [];
  const most = mostClientsPlanned(limits);
  const clients: C[] = [];
  for (const c of ready) {
    clients.push(c);
    if (clients.length >= most) break;
  }
  if (clients.length === 0) return [];

  const idle = Math.max(0, limits.threads - limits.tasksInFlight);
  const spread = Math.min(slots, clients.length, Math.max(1, idle));
  const tasks: PlannedClient<C>[][] = [];
  const sizes: number[] = [];
  for (let i = 0; i < spread; i++) {
    tasks.push([]);
    sizes.push(0);
  }

  let next = 0; // round robin over the spread tasks
  for (const client of clients) {
    const want = Math.max(1, available(client));
    // The next task with room, starting at the round-robin position.
    let t = -1;
    for (let k = 0; k < tasks.length; k++) {
      const i = (next + k) % tasks.length;
      if (sizes[i]! < limits.maxBatchEvents) {
        t = i;
        break;
      }
    }
    if (t === -1) {
      if (tasks.length >= slots) break;
      tasks.push([]);
      sizes.push(0);
      t = tasks.length - 1;
    }
    const events = Math.min(want, limits.maxBatchEvents - sizes[t]!);
    tasks[t]!.push({ client, events });
    sizes[t]! += events;
    next = (t + 1) % Math.max(1, spread);
  }
  return tasks.filter((t) => t.length > 0);
}
