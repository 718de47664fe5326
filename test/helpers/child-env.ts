/**
 * The environment of a gatehouse process a test starts: the test runner's
 * marker and the GATEHOUSE_* overrides of the shell the tests run in must not
 * leak into the processes under test — except GATEHOUSE_ENGINE, the engine this
 * run tests (scripts/run-tests.js runs engine-dependent files once per engine).
 */
export const KEPT_VARIABLES: readonly string[] = ['GATEHOUSE_ENGINE'];

export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  for (const key of Object.keys(env)) if (key.startsWith('GATEHOUSE_') && !KEPT_VARIABLES.includes(key)) delete env[key];
  return { ...env, ...extra };
}
