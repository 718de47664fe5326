import { gatewayIdOf } from '../protocol/client-id.js';
import type { Logger } from '../log/logger.js';
import type { RunningHandler, RunningSlots } from './running-slots.js';

/**
 * Reports handlers that block their thread longer than processTimeout: the
 * thread cannot report them itself (its timers do not fire while it is
 * blocked), so the main thread looks at the threads' running slots a few times
 * per timeout. Each such handler is logged once, with its client id and event
 * id, then handed to `onStuck` (the process notes the event as timed out and
 * terminates the thread; piscina replaces it). (Awaiting handlers are given up
 * by their thread, see client-batch.ts.) Returns a function that stops the watch.
 */
export function watchBlockedHandlers(
  slots: RunningSlots,
  processTimeout: number,
  logger: Logger,
  onStuck: (threadIndex: number, running: RunningHandler) => void = () => {},
): () => void {
  const reported = new Float64Array(slots.count);
  const period = Math.min(1000, Math.max(20, Math.floor(processTimeout / 4)));
  const timer = setInterval(() => {
    const now = Date.now();
    for (let slot = 0; slot < slots.count; slot++) {
      const running = slots.read(slot);
      if (running === null || reported[slot] === running.startedAt || now - running.startedAt < processTimeout) continue;
      reported[slot] = running.startedAt;
      logger.warn(
        {
          clientId: running.clientId,
          eventId: `${gatewayIdOf(running.clientId)}-${running.seq}`,
          threadIndex: slot,
          ms: now - running.startedAt,
          processTimeout,
        },
        'a handler has blocked its thread longer than processTimeout; replacing the thread',
      );
      onStuck(slot, running);
    }
  }, period);
  timer.unref();
  return () => clearInterval(timer);
}

/** How long a handler may hold its thread before the clients queued behind it in its task are taken back. */
export const TAKE_BACK_AFTER_MS = 20;

export interface SlowHandlerWatch {
  /** A task went to the pool: look at the slots until none is in flight. */
  arm(): void;
  stop(): void;
}

/**
 * Hands `onSlow` each handler that has run synchronously for afterMs (once per
 * handler run), so the clients of its task that have not started can be taken
 * back (task-claims.ts). It looks every afterMs / 2 while tasks are in flight
 * (`busy`) and not at all otherwise: an idle process has no timer.
 */
export function watchSlowHandlers(
  slots: RunningSlots,
  busy: () => boolean,
  onSlow: (threadIndex: number, running: RunningHandler) => void,
  afterMs = TAKE_BACK_AFTER_MS,
): SlowHandlerWatch {
  const reported = new Float64Array(slots.count);
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const look = (): void => {
    const now = Date.now();
    for (let slot = 0; slot < slots.count; slot++) {
      const running = slots.read(slot);
      if (running === null || reported[slot] === running.startedAt || now - running.startedAt < afterMs) continue;
      reported[slot] = running.startedAt;
      onSlow(slot, running);
    }
    if (!busy() && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
  return {
    arm() {
      if (timer !== null || stopped) return;
      timer = setInterval(look, Math.max(1, Math.floor(afterMs / 2)));
      timer.unref();
    },
    stop() {
      stopped = true;
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}
