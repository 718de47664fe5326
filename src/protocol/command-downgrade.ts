import { decodeBinaryCommand, headOfArgs } from './binary-command.js';
import { encodeCommandFrame } from './command-codec.js';
import { CommandFlag, FRAME_HEADER_SIZE } from './constants.js';

/**
 * A pool thread encodes every command once, in the newest layout, without
 * knowing which gateways will get it. A link to a gateway that speaks version
 * 1 (during a rolling upgrade) gets it rewritten here, on the worker's main
 * thread: a cost only mixed-version deployments pay, and only until their
 * gateways are upgraded. Throws RangeError when the arguments do not fit in a
 * version-1 head (64 KiB of JSON).
 */
export function downgradeCommandFrame(frame: Uint8Array): Buffer {
  const body = Buffer.from(frame.buffer, frame.byteOffset + FRAME_HEADER_SIZE, frame.length - FRAME_HEADER_SIZE);
  const args = decodeBinaryCommand(body);
  return encodeCommandFrame(args.op, args.flags & ~(CommandFlag.Only | CommandFlag.Exclude), headOfArgs(args), args.data, 1);
}
