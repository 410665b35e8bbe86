// Columns of the Jacobian by tiles of pixels: the one-hot directions of the pixels of one square tile form one
// batch, which a linearized network with `applyLocal` evaluates on a window around the tile.
import * as tf from '@tensorflow/tfjs-core';

/** Columns of one tile of pixels: their flat indices and the box of pixels they lie in. */
export interface ColumnTile {
  columns: number[];
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * Side of the square tiles of pixels whose one-hot directions form one batch: about √(chunkSize/channels),
 * so that a batch has at most chunkSize columns.
 */
export function columnTileSide(chunkSize: number, channels: number): number {
  return Math.max(1, Math.floor(Math.sqrt(chunkSize / channels)));
}

/**
 * Groups columns first…first+count−1 (flat indices over height, width, channels) by square tiles of
 * pixels aligned to multiples of the tile side, in tile order: tiles along a band of rows, then the next band.
 */
export function columnTiles(shape: readonly number[], first: number, count: number, chunkSize: number): ColumnTile[] {
  const [, height, width, channels] = shape;
  const side = columnTileSide(chunkSize, channels);
  const end = first + count;
  const firstRow = Math.floor(first / (width * channels));
  const lastRow = Math.floor((end - 1) / (width * channels));
  const tiles: ColumnTile[] = [];
  for (let bandTop = Math.floor(firstRow / side) * side; bandTop <= lastRow; bandTop += side) {
    for (let tileLeft = 0; tileLeft < width; tileLeft += side) {
      const columns: number[] = [];
      let top = height;
      let left = width;
      let bottom = 0;
      let right = 0;
      for (let row = bandTop; row < Math.min(bandTop + side, height); row++) {
        for (let column = tileLeft; column < Math.min(tileLeft + side, width); column++) {
          for (let channel = 0; channel < channels; channel++) {
            const index = (row * width + column) * channels + channel;
            if (index < first || index >= end) continue;
            columns.push(index);
            top = Math.min(top, row);
            left = Math.min(left, column);
            bottom = Math.max(bottom, row + 1);
            right = Math.max(right, column + 1);
          }
        }
      }
      if (columns.length > 0) tiles.push({ columns, top, left, height: bottom - top, width: right - left });
    }
  }
  return tiles;
}

/** Returns the one-hot directions [columns, tile height, tile width, channels] of a tile's columns, on its box. */
export function tileDirections(tile: ColumnTile, shape: readonly number[]): tf.Tensor4D {
  const [, , width, channels] = shape;
  const size = tile.height * tile.width * channels;
  const values = new Float32Array(tile.columns.length * size);
  tile.columns.forEach((index, k) => {
    const channel = index % channels;
    const pixel = (index - channel) / channels;
    const row = Math.floor(pixel / width) - tile.top;
    const column = (pixel % width) - tile.left;
    values[k * size + (row * tile.width + column) * channels + channel] = 1;
  });
  return tf.tensor4d(values, [tile.columns.length, tile.height, tile.width, channels]);
}
