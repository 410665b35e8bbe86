export type { Denoiser, DenoiseOptions, DenoiserRecipe, LinearizedDenoiser } from './denoiser';
export { imageBatchToTensor, tensorToImageBatch } from './conversion';
export { initBackend } from './init-backend';
export type { InitBackendOptions, BackendChoice } from './init-backend';
export { backendRegistry, requireOptionalPackage } from './backend-registry';
export type { BackendEntry, BackendLoadContext, BackendLoadResult } from './backend-registry';
export {
  registerWasmTrainingKernels,
  wasmTrainingKernelsRegistered,
  WASM_TRAINING_KERNELS,
} from './kernels/register-wasm-training-kernels';
export { runBuiltInWasmKernel } from './kernels/built-in-wasm-kernels';
export { conv2DBackpropInputByRoute } from './kernels/conv2d-backprop-input';
export type { Conv2DBackpropInputRoute } from './kernels/conv2d-backprop-input';
export { conv2DBackpropFilterByRoute } from './kernels/conv2d-backprop-filter';
export { reduceLeadingAxesByRoute } from './kernels/leading-axes-reduction';
export type { LeadingAxesReductionRoute } from './kernels/leading-axes-reduction';
export type { Conv2DBackpropFilterRoute } from './kernels/conv2d-backprop-filter';
