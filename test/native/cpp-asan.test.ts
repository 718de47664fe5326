/**
 * The native engine's C++ unit tests (native/test) built with
 * -fsanitize=address,undefined and run: `make -C native test`, build/tests-asan.
 */
import { test } from 'node:test';
import { runCppSuite } from '../helpers/native-build.js';

test('C++ unit tests under ASan+UBSan (make -C native test)', { timeout: 15 * 60_000 }, (t) => runCppSuite(t, 'asan', 14 * 60_000));
