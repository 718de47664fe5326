import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventContext } from '../types.js';

/**
 * The event a piece of code runs for. Handlers run inside currentEvent.run(), so
 * the *CurrentClient API calls find their client even after an await, and so do
 * timers and promises started by the handler (like $_SERVER['GATEWAY_CLIENT_ID']
 * in GatewayWorker).
 */
export interface CurrentEvent {
  clientId: string;
  ctx: EventContext;
  /**
   * Set when the handler has returned (or its promise settled). From then on a
   * session change can no longer ride on the handler's end-of-event diff, so
   * setSession/updateSession send it to the gateway as a command instead.
   */
  finished: boolean;
}

export const currentEvent = new AsyncLocalStorage<CurrentEvent>();
