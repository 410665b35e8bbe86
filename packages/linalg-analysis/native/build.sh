#!/bin/sh
# Builds eigen-kernels.wasm from eigen-kernels.c with clang and wasm-ld (Debian: apt-get install clang lld).
# The .wasm is committed, so installing the package needs neither tool; rerun this after editing the C file.
# Memory is imported from JavaScript (src/eigen-kernels.ts sizes it per call), and there is no libc.
set -eu
cd "$(dirname "$0")"
clang --target=wasm32 -O3 -msimd128 -fno-builtin -nostdlib \
  -Wall -Wextra -Werror \
  -Wl,--no-entry -Wl,--import-memory -Wl,--export=__heap_base -Wl,--strip-all \
  -o eigen-kernels.wasm eigen-kernels.c
echo "wrote $(pwd)/eigen-kernels.wasm ($(wc -c < eigen-kernels.wasm) bytes)"
