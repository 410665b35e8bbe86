export type { Denoiser, DenoiseOptions } from './denoiser';
export { imageBatchToTensor, tensorToImageBatch } from './conversion';
export { initBackend } from './init-backend';
export type { InitBackendOptions, BackendChoice } from './init-backend';
