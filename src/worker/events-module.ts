import { pathToFileURL } from 'node:url';
import type { EventsModule } from '../types.js';

const HANDLER_NAMES = ['onWorkerStart', 'onWorkerStop', 'onConnect', 'onWebSocketConnect', 'onMessage', 'onClose'] as const;

/**
 * Loads the app's events module: its default export when that is an object with
 * handlers, otherwise its named exports. A handler name bound to something other
 * than a function is a mistake worth failing on at start, not at the first event.
 */
export async function loadEventsModule(path: string): Promise<EventsModule> {
  const ns = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  return eventsOf(ns, `events module ${path}`);
}

/**
 * The handlers of a loaded module namespace (or of the module's default export
 * given directly), bound to the object that holds them. `what` names it in errors.
 */
export function eventsOf(ns: Record<string, unknown>, what: string): EventsModule {
  const def = ns.default;
  const source = typeof def === 'object' && def !== null && HANDLER_NAMES.some((n) => n in def) ? (def as Record<string, unknown>) : ns;
  const events: Record<string, unknown> = {};
  for (const name of HANDLER_NAMES) {
    const handler = source[name];
    if (handler === undefined) continue;
    if (typeof handler !== 'function') {
      throw new TypeError(`${what}: ${name} must be a function, got ${typeof handler}`);
    }
    events[name] = (handler as (...args: unknown[]) => unknown).bind(source);
  }
  return events as EventsModule;
}
