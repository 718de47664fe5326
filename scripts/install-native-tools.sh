#!/usr/bin/env bash
# Installs what the tests need beyond npm (the native engine's checks, the browser and
# Redis tests), from Debian's archive, and only what is missing:
#   g++, make, python3   the addon (node-gyp, run by npm install/ci) and the C++ unit tests
#   clang                libFuzzer targets (clang++)
#   libclang-rt-14-dev   libFuzzer's runtime and clang's sanitizer runtimes
#   libssl-dev           OpenSSL's headers and -lcrypto for the C++ unit tests and fuzzers
#                        (the addon uses the OpenSSL inside the node binary instead)
#   valgrind             the C++ unit tests under valgrind
#   chromium             the headless browser of test/e2e/websocket-clients.test.ts
#   redis-server         the cluster tests start their own Redis (test/helpers/redis-server.ts)
#   redis-sentinel       the Redis failover test (Sentinel)
#   libhiredis-dev       hiredis, the native engine's Redis connection
# Idempotent. It installs only as root with apt-get; otherwise it says what is
# missing and still exits 0 (the tests that need a tool then skip with the
# reason, except in CI, where a missing tool fails them).
set -euo pipefail

missing=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

have_cmd g++ || missing+=(g++)
have_cmd make || missing+=(make)
have_cmd python3 || missing+=(python3)
have_cmd clang++ || missing+=(clang)
# The fuzzer runtime is a library, not a command: ask dpkg when there is one,
# else look for the archive clang links against.
if have_cmd dpkg-query; then
  have_pkg libclang-rt-14-dev || missing+=(libclang-rt-14-dev)
elif ! compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' >/dev/null; then
  missing+=(libclang-rt-14-dev)
fi
if have_cmd dpkg-query; then
  have_pkg libssl-dev || missing+=(libssl-dev)
elif [ ! -e /usr/include/openssl/evp.h ]; then
  missing+=(libssl-dev)
fi
have_cmd valgrind || missing+=(valgrind)
have_cmd chromium || missing+=(chromium)
have_cmd redis-server || missing+=(redis-server)
have_cmd redis-sentinel || missing+=(redis-sentinel)
if have_cmd dpkg-query; then
  have_pkg libhiredis-dev || missing+=(libhiredis-dev)
elif [ ! -e /usr/include/hiredis/hiredis.h ]; then
  missing+=(libhiredis-dev)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-native-tools: everything is installed (g++ make python3 clang libclang-rt-14-dev libssl-dev valgrind chromium redis-server redis-sentinel libhiredis-dev)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! have_cmd apt-get; then
  why="not root"
  [ "$(id -u)" -eq 0 ] && why="no apt-get"
  echo "install-native-tools: missing ${missing[*]} ($why: not installing)."
  echo "install-native-tools: as root on Debian: apt-get install ${missing[*]}"
  echo "install-native-tools: the tests that need them will skip with the reason (and fail when CI is set)."
  exit 0
fi

echo "install-native-tools: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-native-tools: installed ${missing[*]}"
