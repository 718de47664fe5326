// Every command test of gateway-commands.test.ts again, sent by a worker of
// protocol version 2 to this gateway (version 3): what a rolling upgrade
// relies on while old workers are still running. As a gateway-* file it runs
// on both engines.
process.env.GATEHOUSE_TEST_LINK_VERSION = '2';
await import('./gateway-commands.test.js');
