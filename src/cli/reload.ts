import type { ResolvedConfig } from '../config/types.js';
import { ControlCommandError, controlRequest } from '../control/client.js';
import { controlSocketPath } from '../control/protocol.js';
import { requireRunning } from './app-state.js';
import { CliError } from './cli-error.js';

/**
 * `gatehouse reload <app>`: the supervisor starts a new generation of
 * business workers, drains the old one and answers once it is gone.
 */
export async function reloadCommand(config: ResolvedConfig): Promise<void> {
  const live = requireRunning(config);
  const supervisor = live.find((e) => e.role === 'supervisor');
  if (!supervisor) {
    const pids = live.map((e) => `${e.name} ${e.pid}`).join(', ');
    throw new CliError(
      `cannot reload ${config.name}: its supervisor is not running (its processes still are: ${pids}); ` +
        `"gatehouse restart ${config.name}" stops them gracefully and starts it again`,
      1,
    );
  }
  let result: { replaced?: number };
  try {
    // The supervisor answers when the old generation is gone: up to reloadTimeout to start, and as long to drain.
    result = (await controlRequest(controlSocketPath(config.runDir, 'supervisor'), 'reload', {}, config.reloadTimeout * 2 + 15_000)) as { replaced?: number };
  } catch (err) {
    if (err instanceof ControlCommandError) throw new CliError(`cannot reload ${config.name}: ${err.message}`, 1);
    throw new CliError(`cannot reload ${config.name}: the supervisor (pid ${supervisor.pid}) did not answer: ${(err as Error).message}`, 1);
  }
  process.stdout.write(`gatehouse: ${config.name} reloaded (${result.replaced ?? 0} business workers replaced)\n`);
}
