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
export { checkOutputPath, writeChunksAtomic, writeFileAtomic, writeJsonAtomic } from './atomic-write';
export { readNpy, readNpyHeader, readNpyRows, openNpy, parseNpy, encodeNpy, writeNpy } from './npy';
export type { NpyReader } from './npy';
export { parseNpyHeader } from './npy-header';
export type { NpyArray, NpyData, NpyDtype, NpyHeader } from './npy-header';
export { decodeImage, writePng } from './image-io';
export type { DecodedImage, DecodeImageOptions } from './image-io';
export { renderImageGrid, writeImageGrid } from './image-grid';
export type { ImageGridOptions } from './image-grid';
export type { Colormap, ValueRange } from './colormap';
export { createLogger, logFormatFromEnvironment, logLevelFromEnvironment } from './logging';
export type { Logger, LogMethod, LogFormat, LoggerOptions } from './logging';
export { startProgress, progressStatistics, formatDuration } from './progress';
export type { Progress, ProgressOptions, ProgressStatistics } from './progress';
