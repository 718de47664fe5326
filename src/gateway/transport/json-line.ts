import { isUtf8 } from 'node:buffer';

/** What a line of a `json` listener is: a message, nothing (blank), or an error to report. */
export type JsonLineVerdict = { kind: 'message' } | { kind: 'blank' } | { kind: 'invalid'; reason: string };

const MESSAGE: JsonLineVerdict = { kind: 'message' };
const BLANK: JsonLineVerdict = { kind: 'blank' };

/**
 * Judges one line of a `json` listener (already without its `\n`/`\r\n`).
 *
 * - A line of only JSON whitespace (space, tab, `\r`; or nothing) is blank:
 *   ignored silently, so keep-alive newlines and `\r\n\r\n` cost nothing.
 * - A line that is not valid UTF-8 is invalid with reason 'invalid JSON: not valid UTF-8'
 *   (checked before parsing, because decoding would hide bad bytes behind U+FFFD).
 * - Otherwise the line must be one JSON text for JSON.parse; if not, the reason is
 *   'invalid JSON: ' followed by the parser's message (which differs between
 *   engines and Node versions: match on the prefix only).
 *
 * The line is parsed here only to validate it; the worker parses it again for
 * the app, so the gateway never holds parsed values.
 */
export function judgeJsonLine(line: Buffer): JsonLineVerdict {
  if (isBlank(line)) return BLANK;
  if (!isUtf8(line)) return { kind: 'invalid', reason: 'invalid JSON: not valid UTF-8' };
  try {
    JSON.parse(line.toString('utf8'));
    return MESSAGE;
  } catch (err) {
    return { kind: 'invalid', reason: `invalid JSON: ${(err as Error).message}` };
  }
}

function isBlank(line: Buffer): boolean {
  for (let i = 0; i < line.length; i++) {
    const b = line[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  }
  return true;
}
