/**
 * `gatehousejs/testing`: unit tests of an events module with no processes and
 * no sockets (docs/testing.md).
 */
export { createTestGateway, TestClient, TestGateway } from './test-gateway.js';
export type { ConnectOptions, Delivery, Received } from './test-gateway.js';
