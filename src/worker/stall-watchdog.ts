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
