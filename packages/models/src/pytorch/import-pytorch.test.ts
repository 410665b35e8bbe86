import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readNpy } from '@gahb/core';

import { importPytorchNetwork } from './import-pytorch';
import { readTorchStateDict } from './torch-archive';
import { useWasmBackend } from '../../test/wasm-backend';

beforeAll(useWasmBackend);

const fixtures = path.join(__dirname, '../../test/fixtures/pytorch-reference');

/** Returns an NCHW float32 array as an NHWC tensor. */
async function readNchwAsNhwc(file: string): Promise<tf.Tensor4D> {
  const array = await readNpy(file);
  const [n, c, h, w] = array.shape;
  return tf.transpose(tf.tensor4d(Float32Array.from(array.data as Float32Array), [n, c, h, w]), [0, 2, 3, 1]);
}

describe('importPytorchNetwork', () => {
  test.each([
    ['unet-k8-b3-16px', 'bf-unet', {}],
    ['bfcnn-k8-l7-12px', 'bf-cnn', { firstLayerLinear: false }],
  ])('%s output matches PyTorch', async (fixture, architecture, overrides) => {
    const network = await importPytorchNetwork(path.join(fixtures, fixture, 'model.pt'), architecture, overrides);
    const input = await readNchwAsNhwc(path.join(fixtures, fixture, 'input_nchw.npy'));
    const expected = (await readNchwAsNhwc(path.join(fixtures, fixture, 'output_nchw.npy'))).dataSync();
    const actual = network.apply(input, { training: false }).dataSync();

    // Tolerance: 1e-5 of the largest |output| (float32 sums in a different order than PyTorch's).
    const scale = Array.from(expected).reduce((max, value) => Math.max(max, Math.abs(value)), 0);
    let worst = 0;
    for (let i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    }
    expect(actual.length).toBe(expected.length);
    expect(worst / scale).toBeLessThan(1e-5);
    network.dispose();
  });

  test('unet denoiser gradient matches PyTorch Jacobian', async () => {
    const network = await importPytorchNetwork(path.join(fixtures, 'unet-k8-b3-16px', 'model.pt'), 'bf-unet');
    const input = await readNchwAsNhwc(path.join(fixtures, 'unet-k8-b3-16px', 'input_nchw.npy'));
    const y = tf.slice(input, [1, 0, 0, 0], [1, 16, 16, 1]);
    const rows = await readNpy(path.join(fixtures, 'unet-k8-b3-16px', 'jacobian_rows.npy'));
    const denoiser = network.denoiser();

    // Row i of the Jacobian of the denoised image is the gradient of its pixel i; tolerance 1e-4 of max |row|.
    [0, 37, 136, 255].forEach((pixel, row) => {
      const gradient = tf.grad((x: tf.Tensor) => tf.sum(tf.slice(tf.reshape(denoiser.denoise(x as tf.Tensor4D), [256]), [pixel], [1])))(y).dataSync();
      const expected = (rows.data as Float64Array).subarray(row * 256, (row + 1) * 256);
      const scale = expected.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
      let worst = 0;
      for (let k = 0; k < 256; k++) {
        worst = Math.max(worst, Math.abs(gradient[k] - expected[k]));
      }
      expect(worst / scale).toBeLessThan(1e-4);
    });
    network.dispose();
  });

  test('unet config is inferred from shapes', async () => {
    const network = await importPytorchNetwork(path.join(fixtures, 'unet-k8-b3-16px', 'model.pt'), 'bf-unet');
    expect(network.config).toEqual({
      blocks: 3,
      channels: 8,
      encoderConvs: 2,
      midConvs: 2,
      decoderConvs: 2,
      poolWindow: 2,
      kernelSize: 3,
      imageChannels: 1,
    });
    network.dispose();
  });

  test('module prefix is removed', async () => {
    const stateDict = await readTorchStateDict(path.join(fixtures, 'unet-k8-b3-16px', 'model.pt'));
    expect(stateDict.has('encoder.0.0.weight')).toBe(true);
    expect([...stateDict.keys()].some((key) => key.startsWith('module.'))).toBe(false);
    expect(stateDict.get('upsample.2.weight')?.shape).toEqual([64, 32, 2, 2]);
  });

  test('wrong architecture lists missing and unexpected tensors', async () => {
    await expect(importPytorchNetwork(path.join(fixtures, 'bfcnn-k8-l7-12px', 'model.pt'), 'bf-unet')).rejects.toThrow(
      /no encoder\.0\.0\.weight/,
    );
  });
});
