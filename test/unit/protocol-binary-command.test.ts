// The binary command layout of protocol versions 2 and 3 (docs/protocol.md
// "Commands").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBinaryCommand, encodeBinaryCommandFrame } from '../../src/protocol/binary-command.js';
import { CommandFlag, CommandOp, FRAME_HEADER_SIZE } from '../../src/protocol/constants.js';
import { LinkProtocolError } from '../../src/protocol/errors.js';
import { headOfArgs } from '../helpers/fake-gateway.js';

const A = '0123456789ab000000000001';
const B = 'ba9876543210000000000002';

// The same bytes are decoded by native/test/protocol_binary_command_test.cc.
const CASES: [CommandOp, number, unknown, string | undefined, string][] = [
  [CommandOp.SendToClient, CommandFlag.Raw, A, 'hi', '01010123456789ab0000000000016869'],
  [CommandOp.SendToAll, 0, {}, 'all', '0200616c6c'],
  [CommandOp.SendToAll, CommandFlag.Binary, { c: [A, B], x: [B] }, 'o', '021a00020123456789ab000000000001ba98765432100000000000020001ba98765432100000000000026f'],
  [CommandOp.SendToUid, 0, ['u1', 'ü2'], 'm', '03000002000275310003c3bc326d'],
  [CommandOp.SendToGroup, 0, { g: ['g1'], x: [A] }, 'g', '041000010002673100010123456789ab00000000000167'],
  [CommandOp.CloseClient, CommandFlag.HasData, A, 'bye', '05040123456789ab000000000001627965'],
  [CommandOp.DestroyClient, 0, B, undefined, '0600ba9876543210000000000002'],
  [CommandOp.JoinGroup, 0, [A, 'room'], undefined, '09000123456789ab0000000000010004726f6f6d'],
  [CommandOp.Ungroup, 0, 'room', undefined, '0b000004726f6f6d'],
  [CommandOp.Session, 0, { c: A, p: 7, k: 1 }, '{"s":{"n":1},"d":[]}', '0c000123456789ab00000000000100000007017b2273223a7b226e223a317d2c2264223a5b5d7d'],
];

test('each op is laid out in binary: ids as 12 bytes, names counted, options as flags', () => {
  for (const [op, flags, head, data, hex] of CASES) {
    const frame = encodeBinaryCommandFrame(op, flags, head, data === undefined ? undefined : Buffer.from(data));
    assert.equal(frame.readUInt32BE(0), frame.length - 4);
    assert.equal(frame.subarray(FRAME_HEADER_SIZE).toString('hex'), hex, JSON.stringify(head));
    const args = decodeBinaryCommand(frame.subarray(FRAME_HEADER_SIZE));
    assert.equal(args.op, op);
    assert.equal(args.data.toString(), data ?? '');
    // The head the API gave, read back (as the fake gateway records it).
    assert.deepEqual(headOfArgs(args), head);
  }
});

test('a truncated body is refused at every cut inside its arguments', () => {
  for (const [op, flags, head, data] of CASES) {
    const body = encodeBinaryCommandFrame(op, flags, head, data === undefined ? undefined : Buffer.from(data)).subarray(FRAME_HEADER_SIZE);
    const argsEnd = body.length - (data === undefined ? 0 : Buffer.byteLength(data));
    for (let n = 0; n < argsEnd; n++) assert.throws(() => decodeBinaryCommand(body.subarray(0, n)), LinkProtocolError, `${op} cut at ${n}`);
  }
});

test('malformed bodies name the op and what is wrong', () => {
  const cases: [number[], RegExp][] = [
    [[13, 0], /^command: unknown op 13$/],
    [[CommandOp.SendToAll, 0x40], /^command: sendToAll: flag bits 0x40 are not defined for this op$/],
    [[CommandOp.SendToUid, 0, 0xff, 0xff], /^command: sendToUid: arguments overrun the frame$/],
    [[CommandOp.SendToUid, 0, 0, 1, 0, 1, 0xc0], /^command: sendToUid: a uid or group is not valid UTF-8$/],
    [[CommandOp.Ungroup, 0, 0, 1, 0x61, 0x62], /^command: ungroup: 1 bytes after the arguments of an op without data$/],
  ];
  for (const [bytes, message] of cases) assert.throws(() => decodeBinaryCommand(Buffer.from(bytes)), { name: 'LinkProtocolError', message });
});
