// Imported into every node of the tree by bench/heaptrack-crowd.js (NODE_OPTIONS=--import):
// the daemon (the supervisor) puts heaptrack's preload into the environment its
// children are forked with, so the gateway and the worker run under heaptrack and
// the CLI and the supervisor do not (heaptrack's preload takes itself out of the
// environment of the process it traces, so it must be set in the supervisor's).
if (process.argv.includes('--daemon-child') && process.env.BENCH_HEAPTRACK_OUT) {
  process.env.LD_PRELOAD = process.env.BENCH_HEAPTRACK_PRELOAD;
  process.env.DUMP_HEAPTRACK_OUTPUT = process.env.BENCH_HEAPTRACK_OUT;
}
