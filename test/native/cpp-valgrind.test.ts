/**
 * The native engine's C++ unit tests (native/test) built plain -O1 and run under
 * valgrind (definite leaks and memory errors fail): `make -C native test
 * MODE=valgrind`, build/tests-valgrind.
 */
import { test } from 'node:test';
import { runCppSuite } from '../helpers/native-build.js';

test('C++ unit tests under valgrind (make -C native test MODE=valgrind)', { timeout: 15 * 60_000 }, (t) => runCppSuite(t, 'valgrind', 14 * 60_000));
