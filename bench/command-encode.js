#!/usr/bin/env node
/**
 * What a pool thread spends encoding one command, protocol version 1 (JSON
 * head) against 2 (binary), for the commands an app sends per message:
 * sendToClient, a Session diff patch's head, and a sendToGroup with an
 * exclude list. In-process, one thread, best of 5 rounds of `--n` calls each
 * (ns per call); the machine's other load only adds to it.
 *
 *   node bench/command-encode.js [--n 200000]
 */
import { parseArgs } from 'node:util';
import { encodeCommandFrame } from '../dist/src/protocol/command-codec.js';
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
console.log('| command | version 1 ns/call | version 2 ns/call |\n|---|---:|---:|');
for (const [name, op, head, bytes] of cases) {
  const best = [1, 2].map((version) => {
    let min = Infinity;
    for (let round = 0; round < 5; round++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < N; i++) encodeCommandFrame(op, 0, head, bytes, version);
      min = Math.min(min, Number(process.hrtime.bigint() - t0) / N);
    }
    return min;
  });
  console.log(`| ${name} | ${best[0].toFixed(0)} | ${best[1].toFixed(0)} |`);
}
