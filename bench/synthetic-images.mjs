// Benchmark of @gahb/synthetic-images: images per second of the c-alpha and disks generators at 80x80 on one
// core. The background filtering step is also timed against a baseline measured in the same run: filtering on
// the next power-of-two grid (128x128 with fft.js directly), then cropping to 80x80.
//
// Build first: npx tsc -b packages/synthetic-images/tsconfig.build.json
// Run:         node bench/synthetic-images.mjs [--count N] [--filter-count N]
import os from 'node:os';
import FFT from 'fft.js';
import syntheticImages from '../packages/synthetic-images/dist/index.js';

const { getGenerator, filterFieldPair2d, powerLawFilter2d } = syntheticImages;

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const count = option('--count', 100000);
const filterCount = option('--filter-count', 2000);
const size = 80;

/** CPU time (user + system) of this process in ms: on a loaded machine it counts only the time it ran. */
function cpuMs() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Generates `total` images in chunks of 1000 (as the CLI does); returns elapsed and CPU ms. */
function timeGenerator(name, total) {
  const generator = getGenerator(name);
  generator.generate(100, 99, { size });
  const start = performance.now();
  const cpuStart = cpuMs();
  for (let first = 0; first < total; first += 1000) {
    generator.generate(Math.min(1000, total - first), 1, { size }, first);
  }
  return { wallMs: performance.now() - start, cpuMs: cpuMs() - cpuStart };
}

/** Filters `pairs` pairs of 80x80 fields with the package's Good-Thomas transform (as the generator does). */
function timePackageFilter(pairs) {
  const filter = powerLawFilter2d(size, 4, 'radial');
  const re = new Float64Array(size * size);
  const im = new Float64Array(size * size);
  const start = performance.now();
  for (let pair = 0; pair < pairs; pair++) {
    for (let j = 0; j < re.length; j++) {
      re[j] = Math.random() * 2 - 1;
      im[j] = Math.random() * 2 - 1;
    }
    filterFieldPair2d(re, im, size, filter);
  }
  return performance.now() - start;
}

/**
 * Baseline: the same pair filtering on a 128x128 grid with fft.js row and column transforms, then an 80x80 crop.
 */
function timePowerOfTwoFilter(pairs) {
  const grid = 128;
  const fft = new FFT(grid);
  const filter = powerLawFilter2d(grid, 4, 'radial');
  const re = new Float64Array(grid * grid);
  const im = new Float64Array(grid * grid);
  const line = fft.createComplexArray();
  const out = fft.createComplexArray();
  const cropped = new Float64Array(2 * size * size);

  const transformLines = (inverse, alongRows) => {
    for (let a = 0; a < grid; a++) {
      for (let b = 0; b < grid; b++) {
        const index = alongRows ? a * grid + b : b * grid + a;
        line[2 * b] = re[index];
        line[2 * b + 1] = im[index];
      }
      if (inverse) {
        fft.inverseTransform(out, line);
      } else {
        fft.transform(out, line);
      }
      for (let b = 0; b < grid; b++) {
        const index = alongRows ? a * grid + b : b * grid + a;
        re[index] = out[2 * b];
        im[index] = out[2 * b + 1];
      }
    }
  };

  const start = performance.now();
  for (let pair = 0; pair < pairs; pair++) {
    for (let j = 0; j < re.length; j++) {
      re[j] = Math.random() * 2 - 1;
      im[j] = Math.random() * 2 - 1;
    }
    transformLines(false, true);
    transformLines(false, false);
    for (let j = 0; j < re.length; j++) {
      re[j] *= filter[j];
      im[j] *= filter[j];
    }
    transformLines(true, false);
    transformLines(true, true);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        cropped[y * size + x] = re[y * grid + x];
        cropped[size * size + y * size + x] = im[y * grid + x];
      }
    }
  }
  return performance.now() - start;
}

function report(label, ms, items, unit, baselineMs) {
  const rate = (items / ms) * 1000;
  const ratio = baselineMs === undefined ? '' : ` | ratio to baseline ${(baselineMs / ms).toFixed(2)}x faster`;
  console.log(`${label}: ${ms.toFixed(0)} ms, ${rate.toFixed(0)} ${unit}/s${ratio}`);
}

console.log(`load average before: ${os.loadavg().map((value) => value.toFixed(2)).join(', ')}`);
const baselineFilterMs = timePowerOfTwoFilter(filterCount);
const packageFilterMs = timePackageFilter(filterCount);
report(`background pair filtering, 128x128 fft.js + crop (baseline), ${filterCount} pairs`, baselineFilterMs, filterCount, 'pairs');
report(`background pair filtering, 80x80 Good-Thomas, ${filterCount} pairs`, packageFilterMs, filterCount, 'pairs', baselineFilterMs);

for (const [name, label] of [
  ['c-alpha', 'c-alpha 80x80 (alpha 4, blur 2)'],
  ['disks', 'disks 80x80 (5-D, antialias 1)'],
]) {
  const { wallMs, cpuMs: cpu } = timeGenerator(name, count);
  report(`${label}, ${count} images, elapsed`, wallMs, count, 'images');
  report(`${label}, ${count} images, CPU time`, cpu, count, 'images');
}
console.log(`load average after: ${os.loadavg().map((value) => value.toFixed(2)).join(', ')}`);
