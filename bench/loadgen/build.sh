#!/bin/sh
# Builds the benchmark's load generator: build/bench/loadgen (next to the repository's other build outputs).
set -e
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../build/bench"
mkdir -p "$out"
${CC:-cc} -O2 -std=c11 -Wall -Wextra -Werror -o "$out/loadgen" "$here/loadgen.c"
echo "$out/loadgen"
