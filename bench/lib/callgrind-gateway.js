// The gateway process of bench/callgrind-broadcast.js: one native engine with
// a text listener, started in-process (no supervisor, so valgrind sees only
// this process). Prints its addresses as one JSON line; stops when stdin ends.
process.env.GATEHOUSE_ENGINE = 'native';
const { TestGateway, listenerConfig } = await import('../../dist/test/helpers/gateway-test-engine.js');
const gw = await TestGateway.start({
  listeners: [listenerConfig('text', { name: 'text' })],
});
process.stdout.write(`${JSON.stringify({ linkPath: gw.addresses.linkPath, port: gw.port('text'), pid: process.pid })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await gw.close();
  process.exit(0);
});
