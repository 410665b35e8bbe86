export { RandomStream, philox4x32, fillSampleNormals } from './random';
export type { RandomState, StreamPathElement } from './random';
export { Registry } from './registry';
export {
  createImageBatch,
  imageBatchFromData,
  assertImageBatch,
  contiguousImageBatch,
  sliceImageBatch,
} from './image-batch';
export type { ImageBatch } from './image-batch';
