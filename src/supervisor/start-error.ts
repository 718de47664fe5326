/** An app that cannot start as asked: already running, an engine no gateway can honour, a process that did not come up. */
export class StartError extends Error {
  override name = 'StartError';
}
