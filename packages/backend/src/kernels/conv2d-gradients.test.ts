// Conv2DBackpropFilter and Conv2DBackpropInput on wasm (gahb's composed kernels) against the cpu backend.
import * as tf from '@tensorflow/tfjs-core';
import { RandomStream } from '@gahb/core';
import { initBackend } from '../init-backend';
import { compareValues, randomTensor, runKernelOn, type HostTensor } from '../../test/compare-backends';
import { conv2DBackpropInputByRoute, conv2DBackpropInputInfo, isNonOverlappingUpsampling } from './conv2d-backprop-input';
import { conv2DBackpropFilterByRoute, hasNonOverlappingWindows, hasStrideOneWindows } from './conv2d-backprop-filter';
import { runBuiltInWasmKernel } from './built-in-wasm-kernels';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

// float32 sums of up to a few thousand products: errors stay near 1e-6 of the largest value.
const RELATIVE_TOLERANCE = 1e-4;

type Padding = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  stride: [number, number];
  pad: Padding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function describeCase(c: ConvCase): string {
  return (
    `${c.dataFormat} x ${c.batch}x${c.height}x${c.width}x${c.inChannels} filter ${c.filterHeight}x${c.filterWidth}` +
    `->${c.outChannels} stride ${c.stride.join('x')} pad ${JSON.stringify(c.pad)}`
  );
}

function outputSize(size: number, filter: number, stride: number, before: number, after: number): number {
  return Math.floor((size + before + after - filter) / stride) + 1;
}

/** Explicit padding [top, bottom, left, right] of a case, or undefined for 'same'. */
function explicitPads(c: ConvCase): [number, number, number, number] | undefined {
  if (c.pad === 'same') {
    return undefined;
  }
  if (c.pad === 'valid') {
    return [0, 0, 0, 0];
  }
  if (typeof c.pad === 'number') {
    return [c.pad, c.pad, c.pad, c.pad];
  }
  return [c.pad[1][0], c.pad[1][1], c.pad[2][0], c.pad[2][1]];
}

function hasOutput(c: ConvCase): boolean {
  const pads = explicitPads(c);
  if (pads === undefined) {
    return true;
  }
  const outHeight = outputSize(c.height, c.filterHeight, c.stride[0], pads[0], pads[1]);
  const outWidth = outputSize(c.width, c.filterWidth, c.stride[1], pads[2], pads[3]);
  return outHeight >= 1 && outWidth >= 1;
}

/** Seeded random cases over batch 1-3, sizes 1-9, channels 1-8, filters 1, 2, 3, 5, strides 1-2 and paddings. */
function randomCases(count: number): ConvCase[] {
  const random = RandomStream.fromSeed(2024, 'conv2d-gradient-cases');
  const filterSizes = [1, 2, 3, 5];
  const cases: ConvCase[] = [];
  while (cases.length < count) {
    const filterSize = filterSizes[random.integer(filterSizes.length)];
    const paddingKind = random.integer(4);
    const explicit = (): number => random.integer(3);
    const pad: Padding =
      paddingKind === 0
        ? 'same'
        : paddingKind === 1
          ? 'valid'
          : paddingKind === 2
            ? explicit()
            : [
                [0, 0],
                [explicit(), explicit()],
                [explicit(), explicit()],
                [0, 0],
              ];
    const stride = 1 + random.integer(2);
    const candidate: ConvCase = {
      batch: 1 + random.integer(3),
      height: 1 + random.integer(9),
      width: 1 + random.integer(9),
      inChannels: 1 + random.integer(8),
      outChannels: 1 + random.integer(8),
      filterHeight: filterSize,
      filterWidth: random.integer(4) === 0 ? filterSizes[random.integer(filterSizes.length)] : filterSize,
      stride: [stride, random.integer(4) === 0 ? 3 - stride : stride],
      pad,
      dataFormat: 'NHWC',
    };
    if (hasOutput(candidate)) {
      cases.push(candidate);
    }
  }
  return cases;
}

const base = { batch: 2, inChannels: 3, outChannels: 4, dataFormat: 'NHWC' as const };
const namedCases: ConvCase[] = [
  // BF-CNN and UNet convolutions: 3x3 stride 1 'same', and 2x2 stride 2 (downsampling, transposed-conv upsampling).
  { ...base, height: 8, width: 8, filterHeight: 3, filterWidth: 3, stride: [1, 1], pad: 'same' },
  { ...base, height: 8, width: 8, filterHeight: 2, filterWidth: 2, stride: [2, 2], pad: 'valid' },
  { ...base, height: 8, width: 8, filterHeight: 2, filterWidth: 2, stride: [2, 2], pad: 'same' },
  // Odd sizes: a row and column past the last window, and 'same' padding only at the bottom.
  { ...base, height: 9, width: 7, filterHeight: 2, filterWidth: 2, stride: [2, 2], pad: 'valid' },
  { ...base, height: 9, width: 7, filterHeight: 2, filterWidth: 2, stride: [2, 2], pad: 'same' },
  { ...base, height: 9, width: 9, filterHeight: 3, filterWidth: 3, stride: [2, 2], pad: 'same' },
  { ...base, height: 7, width: 9, filterHeight: 5, filterWidth: 5, stride: [2, 2], pad: 'valid' },
  // Padding wider than the filter: windows that see only padding.
  { ...base, height: 5, width: 6, filterHeight: 2, filterWidth: 3, stride: [2, 1], pad: [[0, 0], [3, 2], [1, 4], [0, 0]] },
  { ...base, height: 1, width: 1, filterHeight: 1, filterWidth: 1, stride: [1, 1], pad: 'valid' },
  { ...base, height: 6, width: 6, filterHeight: 3, filterWidth: 3, stride: [2, 2], pad: 1, dimRoundingMode: 'ceil' },
  // Stride-1 filter gradients over several blocks of grid pixels ('blocked-matmul'): 2048 and 256 pixels
  // per block for 64 and 600 output channels.
  { ...base, height: 40, width: 40, inChannels: 2, outChannels: 64, filterHeight: 3, filterWidth: 3, stride: [1, 1], pad: 'same' },
  { ...base, batch: 1, height: 20, width: 17, inChannels: 3, outChannels: 600, filterHeight: 3, filterWidth: 2, stride: [1, 1], pad: 'valid' },
  // NCHW tensors go through transposes to NHWC.
  { ...base, height: 6, width: 5, filterHeight: 3, filterWidth: 3, stride: [1, 1], pad: 'same', dataFormat: 'NCHW' },
  { ...base, height: 6, width: 8, filterHeight: 2, filterWidth: 2, stride: [2, 2], pad: 'valid', dataFormat: 'NCHW' },
];

const cases = [...namedCases, ...randomCases(60)];

function tensorShape(c: ConvCase, height: number, width: number, channels: number): number[] {
  return c.dataFormat === 'NHWC' ? [c.batch, height, width, channels] : [c.batch, channels, height, width];
}

function forwardOutputShape(c: ConvCase): number[] {
  const inputShape = tensorShape(c, c.height, c.width, c.inChannels);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    [c.filterHeight, c.filterWidth, c.inChannels, c.outChannels],
    c.stride,
    1,
    c.pad,
    c.dimRoundingMode,
    false,
    c.dataFormat === 'NHWC' ? 'channelsLast' : 'channelsFirst',
  );
  return tensorShape(c, info.outHeight, info.outWidth, c.outChannels);
}

function gradientAttrs(c: ConvCase): Record<string, unknown> {
  return { strides: c.stride, pad: c.pad, dataFormat: c.dataFormat, dimRoundingMode: c.dimRoundingMode };
}

function expectClose(actual: HostTensor, expected: HostTensor): void {
  expect(actual.shape).toEqual(expected.shape);
  const { maxError, maxReference } = compareValues(actual.values, expected.values);
  expect(maxError).toBeLessThanOrEqual(RELATIVE_TOLERANCE * maxReference + 1e-7);
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('Conv2DBackpropFilter on wasm', () => {
  test.each(cases.map((c, i) => [describeCase(c), i] as const))('matches cpu for %s', async (_name, index) => {
    const c = cases[index];
    const filterShape = [c.filterHeight, c.filterWidth, c.inChannels, c.outChannels];
    const inputs = {
      x: randomTensor(tensorShape(c, c.height, c.width, c.inChannels), 1, 'x', index),
      dy: randomTensor(forwardOutputShape(c), 1, 'dy', index),
    };
    const attrs = { ...gradientAttrs(c), filterShape };

    const expected = await runKernelOn('cpu', 'Conv2DBackpropFilter', inputs, attrs);
    const actual = await runKernelOn('wasm', 'Conv2DBackpropFilter', inputs, attrs);

    expectClose(actual, expected);
  });

  test.each(cases.map((c, i) => [describeCase(c), i] as const))('routes match cpu for %s', async (_name, index) => {
    const c = cases[index];
    const filterShape = [c.filterHeight, c.filterWidth, c.inChannels, c.outChannels] as [number, number, number, number];
    const inputs = {
      x: randomTensor(tensorShape(c, c.height, c.width, c.inChannels), 6, 'x', index),
      dy: randomTensor(forwardOutputShape(c), 6, 'dy', index),
    };
    const attrs = { ...gradientAttrs(c), filterShape } as unknown as tf.Conv2DBackpropFilterAttrs;
    const expected = await runKernelOn('cpu', 'Conv2DBackpropFilter', inputs, attrs);

    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const x = tf.tensor(inputs.x.values, inputs.x.shape);
    const dy = tf.tensor(inputs.dy.values, inputs.dy.shape);
    const args = { inputs: { x, dy }, backend, attrs };
    const nhwcShape = c.dataFormat === 'NHWC' ? x.shape : [c.batch, c.height, c.width, c.inChannels];
    const convInfo = tf.backend_util.computeConv2DInfo(nhwcShape as [number, number, number, number], filterShape, c.stride, 1, c.pad, c.dimRoundingMode);

    const convolution = tf.engine().makeTensorFromTensorInfo(conv2DBackpropFilterByRoute(args, 'transposed-convolution'));
    expectClose({ shape: convolution.shape, values: convolution.dataSync() as Float32Array }, expected);
    if (hasNonOverlappingWindows(convInfo)) {
      const matMul = tf.engine().makeTensorFromTensorInfo(conv2DBackpropFilterByRoute(args, 'space-to-depth-matmul'));
      expectClose({ shape: matMul.shape, values: matMul.dataSync() as Float32Array }, expected);
      matMul.dispose();
    } else {
      expect(() => conv2DBackpropFilterByRoute(args, 'space-to-depth-matmul')).toThrow(/needs filter size = stride/);
    }
    if (hasStrideOneWindows(convInfo)) {
      const blocked = tf.engine().makeTensorFromTensorInfo(conv2DBackpropFilterByRoute(args, 'blocked-matmul'));
      expectClose({ shape: blocked.shape, values: blocked.dataSync() as Float32Array }, expected);
      blocked.dispose();
    } else {
      expect(() => conv2DBackpropFilterByRoute(args, 'blocked-matmul')).toThrow(/needs stride 1 and no negative padding/);
    }
    tf.dispose([x, dy, convolution]);
  });

  test('releases every intermediate tensor', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const x = tf.ones([2, 7, 7, 3]);
    const dy = tf.ones([2, 4, 4, 5]);
    const dataIdsBefore = backend.numDataIds();

    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 5] }) as tf.Tensor;

    expect(backend.numDataIds()).toBe(dataIdsBefore + 1);
    tf.dispose([x, dy, dw]);
  });

  test('blocked-matmul releases every intermediate tensor', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const x = tf.ones([1, 20, 20, 3]);
    const dy = tf.ones([1, 20, 20, 600]);
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 600] } as unknown as tf.Conv2DBackpropFilterAttrs;
    const dataIdsBefore = backend.numDataIds();

    const dw = tf.engine().makeTensorFromTensorInfo(conv2DBackpropFilterByRoute({ inputs: { x, dy }, backend, attrs }, 'blocked-matmul'));

    expect(backend.numDataIds()).toBe(dataIdsBefore + 1);
    tf.dispose([x, dy, dw]);
  });

  test('rejects dilations 2', async () => {
    await tf.setBackend('wasm');
    const x = tf.ones([1, 5, 5, 1]);
    const dy = tf.ones([1, 3, 3, 1]);
    const attrs = { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [2, 2, 1, 1], dilations: 2 };
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs)).toThrow(/dilations 2 are not supported/);
    tf.dispose([x, dy]);
  });
});

describe('Conv2DBackpropInput on wasm', () => {
  test.each(cases.map((c, i) => [describeCase(c), i] as const))('matches cpu for %s', async (_name, index) => {
    const c = cases[index];
    const inputShape = tensorShape(c, c.height, c.width, c.inChannels);
    const inputs = {
      dy: randomTensor(forwardOutputShape(c), 2, 'dy', index),
      filter: randomTensor([c.filterHeight, c.filterWidth, c.inChannels, c.outChannels], 2, 'filter', index),
    };
    const attrs = { ...gradientAttrs(c), inputShape };

    const expected = await runKernelOn('cpu', 'Conv2DBackpropInput', inputs, attrs);
    const actual = await runKernelOn('wasm', 'Conv2DBackpropInput', inputs, attrs);

    expectClose(actual, expected);
  });

  test.each([
    ['flipped-convolution', [2, 9, 9, 3], [3, 3, 3, 4], 2, 'same'],
    ['matmul-depth-to-space', [2, 9, 7, 3], [2, 2, 3, 4], 2, 'valid'],
  ] as const)('%s releases every intermediate tensor', async (route, inputShape, filterShape, stride, pad) => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const attrs = { strides: stride, pad, dataFormat: 'NHWC', inputShape } as unknown as tf.Conv2DBackpropInputAttrs;
    const convInfo = conv2DBackpropInputInfo(attrs, filterShape);
    const dy = tf.ones([convInfo.batchSize, convInfo.outHeight, convInfo.outWidth, convInfo.outChannels]);
    const filter = tf.ones(filterShape as unknown as number[]);
    const dataIdsBefore = backend.numDataIds();

    const dx = tf.engine().makeTensorFromTensorInfo(conv2DBackpropInputByRoute({ inputs: { dy, filter }, backend, attrs }, route));

    expect(backend.numDataIds()).toBe(dataIdsBefore + 1);
    tf.dispose([dy, filter, dx]);
  });

  test.each(cases.map((c, i) => [describeCase(c), i] as const))('routes agree for %s', async (_name, index) => {
    const c = cases[index];
    const attrs = { ...gradientAttrs(c), inputShape: tensorShape(c, c.height, c.width, c.inChannels) } as tf.Conv2DBackpropInputAttrs;
    const dyValues = randomTensor(forwardOutputShape(c), 3, 'dy', index);
    const filterValues = randomTensor([c.filterHeight, c.filterWidth, c.inChannels, c.outChannels], 3, 'filter', index);
    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const dy = tf.tensor(dyValues.values, dyValues.shape);
    const filter = tf.tensor(filterValues.values, filterValues.shape);
    const args = { inputs: { dy, filter }, backend, attrs };

    const builtIn = tf.engine().makeTensorFromTensorInfo(runBuiltInWasmKernel('Conv2DBackpropInput', { dy, filter }, attrs as never));
    const flipped = tf.engine().makeTensorFromTensorInfo(conv2DBackpropInputByRoute(args, 'flipped-convolution'));
    const reference = { shape: builtIn.shape, values: builtIn.dataSync() as Float32Array };
    expectClose({ shape: flipped.shape, values: flipped.dataSync() as Float32Array }, reference);

    if (isNonOverlappingUpsampling(conv2DBackpropInputInfo(attrs, filterValues.shape))) {
      const matMul = tf.engine().makeTensorFromTensorInfo(conv2DBackpropInputByRoute(args, 'matmul-depth-to-space'));
      expectClose({ shape: matMul.shape, values: matMul.dataSync() as Float32Array }, reference);
      matMul.dispose();
    }
    tf.dispose([dy, filter, builtIn, flipped]);
  });
});
