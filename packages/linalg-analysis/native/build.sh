#!/bin/sh
# Builds eigen-kernels.wasm from eigen-kernels.c with clang and wasm-ld (Debian: apt-get install clang lld).
# The .wasm is committed, so installing the package needs neither tool; rerun this after editing the C file.
# Memory is imported from JavaScript, which sizes it per call (src/eigen-kernels.ts). It is shared, so that a
# worker thread can run the same kernels on it. There is no libc, and the kernels use no shadow stack.
set -eu
cd "$(dirname "$0")"
clang --target=wasm32 -O3 -msimd128 -matomics -mbulk-memory -fno-builtin -nostdlib \
  -Wall -Wextra -Werror \
  -Wl,--no-entry -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=4294967296 \
  -Wl,--export=__heap_base -Wl,--strip-all \
  -o eigen-kernels.wasm eigen-kernels.c
echo "wrote $(pwd)/eigen-kernels.wasm ($(wc -c < eigen-kernels.wasm) bytes)"
