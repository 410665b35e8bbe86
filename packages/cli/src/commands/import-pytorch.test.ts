import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readNpy } from '@gahb/core';
import { loadCheckpoint } from '@gahb/models';
import { finishCliTest, gahb, startCliTest } from '../../test/cli-harness';

const fixtures = path.join(__dirname, '../../../models/test/fixtures/pytorch-reference');

let dir: string;
let output: string[];

beforeEach(async () => {
  ({ dir, output } = await startCliTest('gahb-import-cli-'));
});

afterEach(finishCliTest);

describe('gahb import-pytorch', () => {
  test('unet checkpoint reproduces PyTorch output', async () => {
    const out = path.join(dir, 'unet');
    await gahb('import-pytorch', path.join(fixtures, 'unet-k8-b3-16px', 'model.pt'), '--arch', 'bf-unet', '--out', out, '--backend', 'wasm');

    const manifest = JSON.parse(await readFile(path.join(out, 'model.json'), 'utf8'));
    expect(manifest.config).toMatchObject({ blocks: 3, channels: 8 });
    expect(output.join('\n')).toContain('120096 parameters');

    // Output of the loaded checkpoint against PyTorch's, tolerance 1e-5 of the largest |output|.
    const { network } = await loadCheckpoint(out);
    const input = await readNpy(path.join(fixtures, 'unet-k8-b3-16px', 'input_nchw.npy'));
    const expected = await readNpy(path.join(fixtures, 'unet-k8-b3-16px', 'output_nchw.npy'));
    const [n, c, h, w] = input.shape;
    const y = tf.transpose(tf.tensor4d(input.data as Float32Array, [n, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D;
    const actual = tf.transpose(network.apply(y, { training: false }), [0, 3, 1, 2]).dataSync();
    const reference = expected.data as Float32Array;
    const scale = reference.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
    let worst = 0;
    for (let i = 0; i < reference.length; i++) {
      worst = Math.max(worst, Math.abs(actual[i] - reference[i]));
    }
    expect(worst / scale).toBeLessThan(1e-5);
  });

  test('bf-cnn takes firstLayerLinear from --config', async () => {
    const out = path.join(dir, 'cnn');
    await gahb('import-pytorch', path.join(fixtures, 'bfcnn-k8-l7-12px', 'model.pt'), '--arch', 'bf-cnn', '--config', 'firstLayerLinear=true', '--out', out, '--backend', 'wasm');
    const manifest = JSON.parse(await readFile(path.join(out, 'model.json'), 'utf8'));
    expect(manifest.config).toMatchObject({ layers: 7, channels: 8, firstLayerLinear: true });
  });

  test('existing checkpoint folder is rejected', async () => {
    const out = path.join(dir, 'trained');
    await mkdir(out);
    await writeFile(path.join(out, 'model.json'), '{"architecture":"bf-cnn"}');
    await expect(
      gahb('import-pytorch', path.join(fixtures, 'bfcnn-k8-l7-12px', 'model.pt'), '--arch', 'bf-cnn', '--out', out, '--backend', 'wasm'),
    ).rejects.toThrow('already contains a checkpoint (model.json)');
    expect(await readFile(path.join(out, 'model.json'), 'utf8')).toBe('{"architecture":"bf-cnn"}');
  });

  test('missing file is rejected', async () => {
    const file = path.join(dir, 'missing.pt');
    await expect(gahb('import-pytorch', file, '--arch', 'bf-cnn', '--out', path.join(dir, 'x'))).rejects.toThrow(`PyTorch file ${file} was not found`);
  });

  test('wrong architecture is rejected', async () => {
    await expect(
      gahb('import-pytorch', path.join(fixtures, 'bfcnn-k8-l7-12px', 'model.pt'), '--arch', 'bf-unet', '--out', path.join(dir, 'x')),
    ).rejects.toThrow(/no encoder\.0\.0\.weight/);
  });
});
