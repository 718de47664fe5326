import type { ResolvedConfig } from '../config/types.js';
import { ENV_REGISTERS } from '../supervisor/ipc.js';

/**
 * The registers a gateway announces to and a worker learns from: those the
 * supervisor passed in GATEHOUSE_REGISTERS (the configured `register.addresses`,
 * or the embedded register's bound address), else `register.addresses` (a
 * process started without a supervisor, as in tests). Never a guessed default:
 * a process that was given no register uses none.
 */
export function registerAddresses(config: ResolvedConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = env[ENV_REGISTERS];
  if (fromEnv !== undefined) return splitAddresses(fromEnv);
  return [...(config.register?.addresses ?? [])];
}

export function splitAddresses(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
