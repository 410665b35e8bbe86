#!/usr/bin/env node
// Entry point of the `gahb` command; the implementation is compiled to ../dist by `npm ci` (root prepare script).
require('../dist/main.js').main(process.argv).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
