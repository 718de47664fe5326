#!/usr/bin/env node
/**
 * What a pool thread spends encoding one command (binary-command.ts), for the
 * commands an app sends per message: sendToClient, a Session diff patch's
 * head, and a sendToGroup with an exclude list. In-process, one thread, best
 * of 5 rounds of `--n` calls each (ns per call); the machine's other load only
 * adds to it. (Until version 1 was dropped it also timed version 1's JSON
 * heads: docs/worker.md quotes both.)
 *
 *   node bench/command-encode.js [--n 200000]
 */
import { parseArgs } from 'node:util';
import { encodeBinaryCommandFrame } from '../dist/src/protocol/binary-command.js';
import { CommandOp } from '../dist/src/protocol/constants.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '200000' } } });
const N = Number(values.n);
const id = '0123456789ab000000000001';
const data = Buffer.from('p 12345 a line of chat text of about sixty-four bytes, as in bench');
const cases = [
  ['sendToClient', CommandOp.SendToClient, id, data],
  ['session head + diff', CommandOp.Session, { c: id, p: 123456, k: 1 }, Buffer.from('{"s":{"messages":12,"last":64},"d":[]}')],
  ['sendToGroup, 3 excluded', CommandOp.SendToGroup, { g: ['room-1'], x: [id, id, id] }, data],
];
console.log('| command | ns/call |\n|---|---:|');
for (const [name, op, head, bytes] of cases) {
  let min = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) encodeBinaryCommandFrame(op, 0, head, bytes);
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / N);
  }
  console.log(`| ${name} | ${min.toFixed(0)} |`);
}
