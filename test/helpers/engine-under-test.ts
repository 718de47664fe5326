/**
 * The gateway engine this test process exercises: scripts/run-tests.js runs
 * every file with GATEHOUSE_ENGINE=js and the engine-dependent ones again with
 * GATEHOUSE_ENGINE=native; the supervisors a test starts inherit it
 * (child-env.ts), and so does the in-process TestGateway.
 */
export const ENGINE_UNDER_TEST: 'native' | 'js' = process.env.GATEHOUSE_ENGINE === 'native' ? 'native' : 'js';
