import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { readNpy, writeNpy } from '@gahb/core';
import { importPytorchNetwork, saveCheckpoint } from '@gahb/models';
import { createProgram } from '../main';

// Random-weight bias-free UNet (8 kernels, 3 blocks) and its 16x16 inputs, saved by PyTorch.
const fixtureDirectory = path.join(__dirname, '..', '..', '..', 'linalg-analysis', 'test', 'fixtures', 'unet-k8-b3-16px');

function gahb(...args: string[]): Promise<unknown> {
  return createProgram().parseAsync(['node', 'gahb', ...args]);
}

describe('gahb analyze jacobian', () => {
  let root: string;
  let modelFile: string;
  let imageFile: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gahb-analyze-'));
    modelFile = path.join(root, 'model.pt');
    await copyFile(path.join(fixtureDirectory, 'model.pt'), modelFile);
    // The fixture's [3, 1, 16, 16] NCHW inputs, written again so the command reads a file made here.
    const inputs = await readNpy(path.join(fixtureDirectory, 'input_nchw.npy'));
    imageFile = path.join(root, 'images.npy');
    await writeNpy(imageFile, inputs);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('dense analysis of a PyTorch model', async () => {
    const out = path.join(root, 'dense');

    await gahb('analyze', 'jacobian', '--model', modelFile, '--image', imageFile, '--index', '1', '--sigma', '0.15', '--seed', '1', '--full', '--out', out, '--backend', 'wasm', '--eigenvectors', '5:12:41');

    const eigenvalues = await readNpy(path.join(out, 'eigenvalues.npy'));
    const eigenvectors = await readNpy(path.join(out, 'eigenvectors.npy'));
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(eigenvalues.shape).toEqual([256]);
    expect(eigenvectors.shape).toEqual([256, 256]);
    expect(summary.method).toBe('dense');
    // 16x16 is below the 1,024 values at which --threads auto starts workers.
    expect([summary.jacobianMethod, summary.threads]).toEqual(['linearized', 1]);
    // tr A = Σλ_k of (A + Aᵀ)/2, up to float64 rounding of a 256-term sum.
    expect(Math.abs(summary.effectiveDimensionality - summary.eigenvalueSum)).toBeLessThan(1e-9 * Math.abs(summary.eigenvalueSum));
    expect(summary.homogeneityError).toBeLessThan(1e-4);
    for (const name of ['images.png', 'spectrum.png', 'eigenvectors.png']) {
      expect((await sharp(path.join(out, name)).metadata()).format).toBe('png');
    }
    expect(await readFile(path.join(out, 'spectrum.svg'), 'utf8')).toContain('sigma = 0.15');
  });

  test('vector-Jacobian products in two threads give the spectrum of the linearized default', async () => {
    const dense = await readNpy(path.join(root, 'dense', 'eigenvalues.npy'));
    const out = path.join(root, 'threads');

    await gahb('analyze', 'jacobian', '--model', modelFile, '--image', imageFile, '--index', '1', '--sigma', '0.15', '--seed', '1', '--out', out, '--backend', 'wasm', '--method', 'vector-jacobian', '--threads', '2');

    const eigenvalues = await readNpy(path.join(out, 'eigenvalues.npy'));
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect([summary.jacobianMethod, summary.threads]).toEqual(['vector-jacobian', 2]);
    // float32 Jacobians by two methods: eigenvalues agree to ~1e-5 of the largest.
    for (let k = 0; k < 256; k++) expect(Math.abs(eigenvalues.data[k] - dense.data[k])).toBeLessThan(1e-4 * Math.abs(dense.data[0]));
    await expect(
      gahb('analyze', 'jacobian', '--model', modelFile, '--image', imageFile, '--sigma', '0.1', '--method', 'fast', '--out', path.join(root, 'x'), '--backend', 'wasm'),
    ).rejects.toThrow('--method fast is invalid: use auto, linearized, vector-jacobian');
    // --arch is read: the file contains a bf-unet, so bf-cnn cannot take its weights.
    await expect(
      gahb('analyze', 'jacobian', '--model', modelFile, '--arch', 'bf-cnn', '--image', imageFile, '--sigma', '0.1', '--out', path.join(root, 'x'), '--backend', 'wasm'),
    ).rejects.toThrow(/bf-cnn/);
  });

  test('top-k analysis of a checkpoint directory', async () => {
    const checkpoint = path.join(root, 'checkpoint');
    // NOTE: saveCheckpoint documents that it creates the directory but fails with ENOENT when it is missing.
    await mkdir(checkpoint, { recursive: true });
    await saveCheckpoint(checkpoint, await importPytorchNetwork(modelFile, 'bf-unet'), {});
    const dense = await readNpy(path.join(root, 'dense', 'eigenvalues.npy'));
    const out = path.join(root, 'top-k');

    await gahb('analyze', 'jacobian', '--model', checkpoint, '--image', imageFile, '--index', '1', '--sigma', '0.15', '--seed', '1', '--top-k', '3', '--out', out, '--backend', 'wasm');

    const eigenvalues = await readNpy(path.join(out, 'eigenvalues.npy'));
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.method).toBe('lanczos');
    expect(eigenvalues.shape).toEqual([3]);
    // Same image, noise and weights as the dense run: Lanczos (float32 products) agrees to ~1e-4 relative.
    for (let k = 0; k < 3; k++) expect(Math.abs(eigenvalues.data[k] - dense.data[k])).toBeLessThan(1e-3 * Math.abs(dense.data[0]));
  });

  test('rejects NaN image values', async () => {
    const file = path.join(root, 'nan.npy');
    await writeNpy(file, { dtype: 'float32', shape: [4, 4], data: new Float32Array(16).fill(Number.NaN) });
    await expect(
      gahb('analyze', 'jacobian', '--model', modelFile, '--image', file, '--sigma', '0.1', '--out', path.join(root, 'x'), '--backend', 'wasm'),
    ).rejects.toThrow('contains NaN or infinite values');
  });

  test('rejects float image on 0..255 scale', async () => {
    const file = path.join(root, 'scaled.npy');
    await writeNpy(file, { dtype: 'float32', shape: [4, 4], data: new Float32Array(16).fill(200) });
    await expect(
      gahb('analyze', 'jacobian', '--model', modelFile, '--image', file, '--sigma', '0.1', '--out', path.join(root, 'x'), '--backend', 'wasm'),
    ).rejects.toThrow('which look like 0..255');
  });

  test('uint8 image is scaled to [0, 1]', async () => {
    const file = path.join(root, 'uint8.npy');
    await writeNpy(file, { dtype: 'uint8', shape: [8, 8], data: new Uint8Array(64).fill(255) });
    const out = path.join(root, 'uint8');
    await gahb('analyze', 'jacobian', '--model', modelFile, '--image', file, '--sigma', '0.1', '--top-k', '2', '--out', out, '--backend', 'wasm');
    const images = await readNpy(path.join(out, 'eigenvalues.npy'));
    expect(images.shape).toEqual([2]);
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    // A constant image of 1.0 with noise 0.1 has an input PSNR near 20 dB; read as 255 it would be far below 0 dB.
    expect(summary.inputPsnr).toBeGreaterThan(15);
  });

  test('rejects eigenvector step 0 before analysing', async () => {
    await expect(
      gahb('analyze', 'jacobian', '--model', modelFile, '--image', imageFile, '--sigma', '0.1', '--eigenvectors', '0:0:5', '--out', path.join(root, 'x'), '--backend', 'wasm'),
    ).rejects.toThrow('the step of start:step:end must be >= 1');
  });

  test('rejects --top-k with --full', async () => {
    await expect(
      gahb('analyze', 'jacobian', '--model', modelFile, '--image', imageFile, '--sigma', '0.1', '--top-k', '3', '--full', '--out', path.join(root, 'x')),
    ).rejects.toThrow('--top-k and --full exclude each other');
  });
});
