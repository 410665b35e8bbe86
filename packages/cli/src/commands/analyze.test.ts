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
    // tr A = Σλ_k of (A + Aᵀ)/2, up to float64 rounding of a 256-term sum.
    expect(Math.abs(summary.effectiveDimensionality - summary.eigenvalueSum)).toBeLessThan(1e-9 * Math.abs(summary.eigenvalueSum));
    expect(summary.homogeneityError).toBeLessThan(1e-4);
    for (const name of ['images.png', 'spectrum.png', 'eigenvectors.png']) {
      expect((await sharp(path.join(out, name)).metadata()).format).toBe('png');
    }
    expect(await readFile(path.join(out, 'spectrum.svg'), 'utf8')).toContain('sigma = 0.15');
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

  test('rejects --top-k with --full', async () => {
    await expect(
      gahb('analyze', 'jacobian', '--model', modelFile, '--image', imageFile, '--sigma', '0.1', '--top-k', '3', '--full', '--out', path.join(root, 'x')),
    ).rejects.toThrow('--top-k and --full exclude each other');
  });
});
