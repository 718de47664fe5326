import * as wsModule from 'ws';

/**
 * One unmasked, unfragmented server→client WebSocket frame, built by the ws
 * package's own framer (Sender.frame), so the bytes are exactly what ws.send()
 * would write. The gateway frames a broadcast once per command and writes the
 * same bytes to every WebSocket client's socket (see client-output.ts for why).
 */
interface SenderStatic {
  frame(
    data: Buffer,
    options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean },
  ): Buffer[];
}

// @types/ws does not declare Sender; the ESM entry of ws exports it by name.
const Sender = (wsModule as unknown as { Sender?: SenderStatic }).Sender;
if (typeof Sender?.frame !== 'function') {
  throw new Error('the installed ws package does not export Sender.frame (ws 8 is required)');
}

export const WS_OPCODE_TEXT = 1;
export const WS_OPCODE_BINARY = 2;

export function websocketFrame(data: Buffer, binary: boolean): Buffer {
  const parts = Sender!.frame(data, {
    fin: true,
    rsv1: false,
    opcode: binary ? WS_OPCODE_BINARY : WS_OPCODE_TEXT,
    mask: false,
    readOnly: false,
  });
  // One buffer per command (not per client): each client then costs one write.
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
