// Checks the Jacobian and eigen-solver against PyTorch on a random-weight bias-free UNet (see
// fixtures/unet-k8-b3-16px/README.md for how the reference arrays were made).
import * as path from 'node:path';
import { imageBatchFromData, readNpy } from '@gahb/core';
import { initBackend } from '@gahb/backend';
import { importPytorchNetwork } from '@gahb/models';
import { computeJacobian, denoiseVector, jacobianChecks } from '../src/jacobian';
import { symmetricEigen } from '../src/symmetric-eigen';

const fixtureDirectory = path.join(__dirname, 'fixtures', 'unet-k8-b3-16px');

test.each(['vector-jacobian', 'linearized'] as const)('UNet Jacobian (%s) and spectrum match PyTorch', async (method) => {
  await initBackend({ backend: 'wasm' });
  const network = await importPytorchNetwork(path.join(fixtureDirectory, 'model.pt'), 'bf-unet');
  const inputs = await readNpy(path.join(fixtureDirectory, 'input_nchw.npy'));
  const reference = await readNpy(path.join(fixtureDirectory, 'jacobian_of_denoised_at_input1.npy'));
  const referenceEigenvalues = await readNpy(path.join(fixtureDirectory, 'eigenvalues_of_symmetrized_jacobian_desc.npy'));
  // Image 1 of the [3, 1, 16, 16] batch; with one channel NCHW and NHWC orders coincide.
  const d = 256;
  const image = imageBatchFromData(Float32Array.from(inputs.data.subarray(d, 2 * d)), [1, 16, 16, 1]);
  const denoiser = network.denoiser();

  const jacobian = await computeJacobian(denoiser, image, { chunkSize: 64, method });
  const checks = await jacobianChecks(denoiser, image, jacobian);
  const { eigenvalues } = symmetricEigen(jacobian, d);

  // float32 networks on both sides: entries (O(1)) agree to ~1e-5, eigenvalues to ~1e-4.
  let maxError = 0;
  for (let i = 0; i < d * d; i++) maxError = Math.max(maxError, Math.abs(jacobian[i] - reference.data[i]));
  expect(maxError).toBeLessThan(1e-4);
  for (let k = 0; k < d; k++) expect(Math.abs(eigenvalues[k] - referenceEigenvalues.data[k])).toBeLessThan(1e-3);
  expect(checks.homogeneityError).toBeLessThan(1e-4);
  // PyTorch-side relative asymmetry of this Jacobian: 1.0867 (random weights are far from symmetric).
  expect(checks.asymmetry).toBeCloseTo(1.0867, 3);
});

test('UNet denoised batch matches PyTorch', async () => {
  await initBackend({ backend: 'wasm' });
  const network = await importPytorchNetwork(path.join(fixtureDirectory, 'model.pt'), 'bf-unet');
  const inputs = await readNpy(path.join(fixtureDirectory, 'input_nchw.npy'));
  const outputs = await readNpy(path.join(fixtureDirectory, 'output_nchw.npy'));
  // [3, 1, 16, 16] with one channel has the same memory order as [3, 16, 16, 1].
  const batch = imageBatchFromData(Float32Array.from(inputs.data), [3, 16, 16, 1]);

  const denoised = denoiseVector(network.denoiser(), batch, batch.data, undefined);

  // PyTorch's denoised image is input − output; float32 on both sides, values O(1).
  let maxError = 0;
  for (let i = 0; i < denoised.length; i++) maxError = Math.max(maxError, Math.abs(denoised[i] - (inputs.data[i] - outputs.data[i])));
  expect(maxError).toBeLessThan(1e-4);
});
