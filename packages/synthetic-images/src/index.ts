/**
 * @gahb/synthetic-images: C^alpha images and low-dimensional manifold image classes, generated from seeds,
 * with a registry of classes by name (the built-in classes register when the package loads). No TensorFlow.js:
 * images are @gahb/core ImageBatch ndarrays.
 */
export type { GeneratorOptionSpec, GeneratedImages, ImageGenerator, ManifoldGenerator } from './generator';
export { isManifoldGenerator } from './generator';
export { generatorRegistry, registerGenerator, getGenerator } from './registry';
export { resolveOptions, describeValidRange } from './options';
export { cAlphaGenerator, boxBlur } from './c-alpha';
export type { CAlphaOptions } from './c-alpha';
export { disksGenerator } from './disks';
export type { DiskOptions } from './disks';
export { sinesGenerator } from './sines';
export type { SineOptions } from './sines';
export { tangentSpace } from './tangent-space';
export type { TangentSpace } from './tangent-space';
export { ComplexFft, fft2d } from './fft';
export { powerLawFilter1d, powerLawFilter2d, filterSignal1d, filterFieldPair2d } from './power-law';
export type { BackgroundFilterShape } from './power-law';
export {
  DB2_LOW_PASS,
  DB2_HIGH_PASS,
  DB2_APPROXIMATION_CENTER,
  coefficientCount,
  dwt1d,
  idwt1d,
  dwt2d,
  idwt2d,
  db2Downsample,
  fineSamplePosition,
} from './wavelet';
export type { WaveletBorder, WaveletBands2d, WaveletCoefficients1d } from './wavelet';
