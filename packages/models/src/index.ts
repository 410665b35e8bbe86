export { EmpiricalMmseDenoiser } from './analytic/empirical-mmse';
export type { EmpiricalMmseOptions } from './analytic/empirical-mmse';
export { WienerDenoiser } from './analytic/wiener';
export type { GaussianPrior, WienerOptions } from './analytic/wiener';
export { symmetricEigen } from './analytic/symmetric-eigen';
export type { SymmetricEigen } from './analytic/symmetric-eigen';

export { architectureRegistry } from './networks/architecture-registry';
export type { ArchitectureEntry, StateDict } from './networks/architecture-registry';
export { BiasFreeNetwork } from './networks/bias-free-network';
export type { ApplyOptions, LayerOps, ParameterKind, ParameterSpec, WeightMap, ForwardFunction, NetworkOptions, NetworkRecipe } from './networks/bias-free-network';
export { resolveConfig } from './networks/config-schema';
export type { ArchitectureConfig, ConfigOption, ConfigSchema } from './networks/config-schema';
export { bfUnetArchitecture } from './networks/bf-unet';
export { bfCnnArchitecture } from './networks/bf-cnn';
export { createNetwork, denoiserFromRecipe } from './networks/create-network';

export { readPickle, PickleDict, PickleGlobal, PickleTuple } from './pytorch/pickle';
export type { PickleHandlers } from './pytorch/pickle';
export { parseTorchStateDict, readTorchStateDict } from './pytorch/torch-archive';
export { importPytorchNetwork } from './pytorch/import-pytorch';

export { saveCheckpoint, loadCheckpoint, checkpointFormat, checkpointFormatVersion } from './checkpoint/checkpoint';
export type { CheckpointManifest, CheckpointContents, LoadedCheckpoint } from './checkpoint/checkpoint';
export { encodeSafetensors, decodeSafetensors } from './checkpoint/safetensors';
export type { TensorMap } from './checkpoint/safetensors';
export { Adam } from './training/adam';
export { trainDenoiser, trainStep } from './training/train';
export type { TrainDenoiserOptions, TrainResult, EpochMetrics } from './training/train';
export { evaluateDenoiser } from './training/evaluate';
export type { EvaluationSet, EvaluationResult } from './training/evaluate';
export { perImageMse, psnrFromMse, meanPsnr, studyEvalSigmas } from './training/psnr';
