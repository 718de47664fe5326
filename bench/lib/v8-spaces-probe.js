// Imported into the gateway by `bench/memory.js --v8-spaces` (NODE_OPTIONS=--import):
// on SIGWINCH it writes V8's heap statistics, whole and per space, to
// $BENCH_V8_DIR/v8-<pid>-<n>.json. Only the gateway (GATEHOUSE_ROLE) answers;
// SIGWINCH because nothing in the tree uses it and its default is to ignore it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';

if (process.env.GATEHOUSE_ROLE === 'gateway' && process.env.BENCH_V8_DIR) {
  let n = 0;
  process.on('SIGWINCH', () => {
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { physical: s.physical_space_size, used: s.space_used_size }]));
    const heap = v8.getHeapStatistics();
    writeFileSync(join(process.env.BENCH_V8_DIR, `v8-${process.pid}-${++n}.json`), JSON.stringify({ physical: heap.total_physical_size, used: heap.used_heap_size, spaces }));
  });
}
