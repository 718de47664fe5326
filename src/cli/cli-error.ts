/** A failure the CLI reports as `gatehouse: <message>` with this exit code (1: failed, 2: misuse). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
