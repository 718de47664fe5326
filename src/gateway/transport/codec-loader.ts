import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ClientCodec } from '../../types.js';

const CODEC_FUNCTIONS = ['input', 'decode', 'encode'] as const;

/**
 * Loads a listener's custom codec from an absolute module path.
 *
 * The codec is the module's default export (an object, or a class with static
 * input/decode/encode as in Workerman), or the module itself when it exports
 * the functions by name. Whichever it is, it is called as `codec.input(buf)`, so
 * methods keep their `this`. Errors: a relative path, a module that fails to
 * import (message of the import error, which is kept as cause), and a codec
 * without the three functions:
 * `custom codec <path> must export input(), decode() and encode() functions (missing: decode)`.
 */
export async function loadClientCodec(path: string): Promise<ClientCodec> {
  if (typeof path !== 'string' || !isAbsolute(path)) {
    throw new TypeError(`custom codec path must be absolute (got ${JSON.stringify(path)})`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`cannot load custom codec ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const candidate = pickCodec(mod);
  const missing = CODEC_FUNCTIONS.filter((name) => typeof candidate[name] !== 'function');
  if (missing.length > 0) {
    throw new TypeError(
      `custom codec ${path} must export input(), decode() and encode() functions (missing: ${missing.join(', ')})`,
    );
  }
  return candidate as unknown as ClientCodec;
}

/** The default export if it carries any of the codec's functions, else the module namespace. */
function pickCodec(mod: Record<string, unknown>): Record<string, unknown> {
  const def = mod['default'];
  if ((typeof def === 'object' && def !== null) || typeof def === 'function') {
    const obj = def as Record<string, unknown>;
    if (CODEC_FUNCTIONS.some((name) => typeof obj[name] === 'function')) return obj;
  }
  if (CODEC_FUNCTIONS.some((name) => typeof mod[name] === 'function')) return mod;
  return (typeof def === 'object' && def !== null) || typeof def === 'function' ? (def as Record<string, unknown>) : mod;
}
