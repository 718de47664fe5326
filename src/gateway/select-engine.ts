/**
 * Which engine a gateway runs, from the `engine` setting:
 * - 'auto' (default): the native engine when its addon loads and no listener
 *   is `custom` (a custom codec is JavaScript: the JS engine serves it);
 *   otherwise the JS engine, with one warning line saying why;
 * - 'native': the native engine or nothing: a gateway that cannot have it
 *   refuses to start (fatal, exit 1) rather than silently running another;
 * - 'js': the JS engine.
 */
import type { EngineSetting, ResolvedConfig } from '../config/types.js';
import type { Engine } from './engine.js';
import { JsEngine, type JsEngineOptions } from './engine-js/js-engine.js';
import type { NativeAddon } from './engine-native/addon.js';
import { loadNativeAddon, type AddonLoad } from './engine-native/loader.js';
import { NativeEngine } from './engine-native/native-engine.js';

export type EngineKind = 'native' | 'js';

export type EngineChoice =
  | { kind: 'native'; addon: NativeAddon }
  /** warning: the line to log when 'auto' fell back (null when the JS engine was asked for). */
  | { kind: 'js'; warning: string | null };

/** The setting asks for something this gateway cannot do; the message is the fatal line. */
export class EngineSelectionError extends Error {
  override name = 'EngineSelectionError';
}

export interface SelectOptions {
  /** Default: loadNativeAddon (build/Release/gatehouse.node). Tests inject a missing or fake addon. */
  load?: () => AddonLoad;
}

/** The setting's value, 'auto' when absent (a configuration written before the setting existed). */
export function engineSetting(config: Pick<ResolvedConfig, 'engine'>): EngineSetting {
  return config.engine ?? 'auto';
}

/** Decides the engine; throws EngineSelectionError when 'native' cannot be honoured. */
export function selectEngine(config: Pick<ResolvedConfig, 'engine' | 'listeners'>, options: SelectOptions = {}): EngineChoice {
  const setting = engineSetting(config);
  if (setting === 'js') return { kind: 'js', warning: null };
  const custom = config.listeners.find((l) => l.protocol === 'custom');
  if (custom !== undefined) {
    const why = `listener "${custom.name}" is protocol 'custom' (its codec runs in JavaScript)`;
    if (setting === 'native') throw new EngineSelectionError(`engine is 'native' but ${why}: only the JS engine serves it; set engine to 'auto' or 'js'`);
    return { kind: 'js', warning: `using the JS engine: ${why}` };
  }
  const load = (options.load ?? loadNativeAddon)();
  if (load.ok) return { kind: 'native', addon: load.addon };
  if (setting === 'native') throw new EngineSelectionError(`engine is 'native' but the native engine is not available: ${load.reason}`);
  return { kind: 'js', warning: `using the JS engine: the native engine is not available: ${load.reason}` };
}

/** The engine a choice names, built from the same options (the tuning applies to both). */
export function createEngine(choice: EngineChoice, options: JsEngineOptions): Engine {
  if (choice.kind === 'native') return new NativeEngine({ ...options, addon: choice.addon });
  return new JsEngine(options);
}
