// Benchmark of @gahb/core's .npy reading and writing on a uint8 data set, against plain Node file I/O of the
// same bytes (fs.readFile / fs.writeFile, no parsing, no fsync) measured in the same run.
//
// Build first: npx tsc -b packages/core/tsconfig.build.json
// Run:         node bench/core-npy.mjs [--megabytes N] [--repeats N]
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import core from '../packages/core/dist/index.js';

const { writeNpy, readNpy, openNpy } = core;

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const megabytes = option('--megabytes', 64);
const repeats = option('--repeats', 3);

/** Returns the median time in ms of `repeats` runs of the async function `run`. */
async function medianMs(run) {
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

// A data set of 80x80 grayscale uint8 images, as the study's largest training sets are stored.
const imageSize = 80 * 80;
const images = Math.floor((megabytes * 1024 * 1024) / imageSize);
const data = new Uint8Array(images * imageSize);
for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
const array = { dtype: 'uint8', shape: [images, 80, 80, 1], data };
const sizeMB = data.length / 1e6;

const folder = mkdtempSync(join(os.tmpdir(), 'gahb-bench-npy-'));
const npyPath = join(folder, 'images.npy');
const rawPath = join(folder, 'images.raw');

try {
  const rows = [];
  const record = (name, ms, baselineMs) => {
    rows.push({ name, ms, throughput: sizeMB / (ms / 1000), ratio: baselineMs === undefined ? '' : (ms / baselineMs).toFixed(2) });
  };

  const writeBaseline = await medianMs(() => writeFile(rawPath, data));
  record('fs.writeFile (baseline)', writeBaseline);
  record('writeNpy (atomic, fsync)', await medianMs(() => writeNpy(npyPath, array)), writeBaseline);

  const readBaseline = await medianMs(() => readFile(rawPath));
  record('fs.readFile (baseline)', readBaseline);
  record('readNpy', await medianMs(() => readNpy(npyPath)), readBaseline);

  // Reading the whole set in 16 parts through one open file, as a data loader does.
  const partRows = Math.ceil(images / 16);
  const partsMs = await medianMs(async () => {
    const reader = await openNpy(npyPath);
    try {
      for (let start = 0; start < images; start += partRows) {
        await reader.readRows(start, Math.min(images, start + partRows));
      }
    } finally {
      await reader.close();
    }
  });
  record('openNpy + readRows x16', partsMs, readBaseline);

  console.log(`${images} images of 80x80 uint8 (${sizeMB.toFixed(1)} MB), median of ${repeats} runs, ${os.cpus().length} cores, load ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}`);
  for (const row of rows) {
    console.log(`${row.name.padEnd(28)} ${row.ms.toFixed(1).padStart(8)} ms ${row.throughput.toFixed(0).padStart(6)} MB/s ${row.ratio ? `x${row.ratio} of baseline` : ''}`);
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
