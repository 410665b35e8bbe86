/**
 * Layer operations of a linearized network on windows of its feature maps. Take a direction that is zero
 * outside a few pixels, such as the one-hot directions of the Jacobian's columns. Its feature maps are zero
 * outside a window around those pixels until the receptive field has grown over the whole map. The
 * operations below keep such a map as the window alone, with its position, and compute each layer on the
 * window. This is exact. A 'same' convolution of a map that is zero outside window W is zero outside W
 * grown by the kernel's reach, and inside it equals the convolution of W padded with that reach of zeros.
 * Every other layer of a linearized bias-free network (batch norm, fixed ReLU pattern, average pooling,
 * upsampling) acts pixel by pixel or cell by cell, so it maps a window to a window.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { LayerOps } from './bias-free-network';

/** Position of a window within its feature map: top-left pixel and the full map's height and width. */
export interface Placement {
  top: number;
  left: number;
  fullHeight: number;
  fullWidth: number;
}

/**
 * Evaluation-mode operations of a linearized network whose feature maps may be windows. A tensor with a
 * placement is the window of a map that is zero elsewhere. A tensor without one is a whole map.
 */
export class WindowedOps {
  private readonly placements = new WeakMap<tf.Tensor, Placement>();

  /**
   * @param dense the network's evaluation-mode operations on whole maps. Its `relu` is not used.
   * @param weight returns a weight by name, for the kernel sizes and the slices of concatenations.
   * @param nextPattern returns the ReLU pattern [1, height, width, channels] of the next ReLU layer.
   */
  constructor(
    private readonly dense: LayerOps,
    private readonly weight: (name: string) => tf.Tensor4D,
    private readonly nextPattern: () => tf.Tensor4D,
  ) {}

  /** Marks `x` as the window at (top, left) of a fullHeight × fullWidth map and returns it. */
  place(x: tf.Tensor4D, top: number, left: number, fullHeight: number, fullWidth: number): tf.Tensor4D {
    const [, height, width] = x.shape;
    if (top > 0 || left > 0 || height < fullHeight || width < fullWidth) {
      this.placements.set(x, { top, left, fullHeight, fullWidth });
    }
    return x;
  }

  /** Returns the whole map of `x`: the window padded with zeros, or `x` itself when it is whole. */
  whole(x: tf.Tensor4D): tf.Tensor4D {
    const placement = this.placements.get(x);
    if (placement === undefined) return x;
    return this.padTo(x, placement, { top: 0, left: 0, bottom: placement.fullHeight, right: placement.fullWidth });
  }

  /** Operations to pass to a ForwardFunction. */
  get ops(): LayerOps {
    return {
      featureSize: (x) => {
        const placement = this.placements.get(x);
        return placement === undefined ? [x.shape[1], x.shape[2]] : [placement.fullHeight, placement.fullWidth];
      },
      conv: (name, x) => this.convolve(name, [x]),
      convConcat: (name, tensors) => this.convolve(name, tensors),
      batchNorm: (prefix, x) => this.keepPlacement(x, this.dense.batchNorm(prefix, x)),
      upsample: (name, x) => {
        const output = this.dense.upsample(name, x);
        const placement = this.placements.get(x);
        if (placement === undefined) return output;
        const factor = this.weight(name).shape[0];
        const { top, left, fullHeight, fullWidth } = placement;
        return this.place(output, top * factor, left * factor, fullHeight * factor, fullWidth * factor);
      },
      avgPool: (x, window) => this.pool(x, window),
      relu: (x) => {
        const pattern = this.nextPattern();
        const placement = this.placements.get(x);
        if (placement === undefined) return tf.mul(x, pattern);
        const [, height, width, channels] = x.shape;
        const part = tf.slice(pattern, [0, placement.top, placement.left, 0], [1, height, width, channels]);
        return this.keepPlacement(x, tf.mul(x, part));
      },
      concat: (tensors) => tf.concat(tensors.map((tensor) => this.whole(tensor)), 3),
    };
  }

  private keepPlacement(from: tf.Tensor4D, to: tf.Tensor4D): tf.Tensor4D {
    const placement = this.placements.get(from);
    if (placement !== undefined) this.placements.set(to, placement);
    return to;
  }

  /**
   * Convolves ('same') the channel concatenation of `tensors` with weight `name`. Each window is convolved
   * on itself grown by the kernel's reach. When some tensors are whole, the windows' results are padded to
   * whole maps and added to the others'.
   */
  private convolve(name: string, tensors: readonly tf.Tensor4D[]): tf.Tensor4D {
    const weight = this.weight(name);
    const [kh, kw, inChannels] = weight.shape;
    const total = tensors.reduce((sum, tensor) => sum + tensor.shape[3], 0);
    if (total !== inChannels) {
      throw new Error(`conv ${name}: the tensors have ${total} channels together but the weight [${weight.shape.join(', ')}] takes ${inChannels}.`);
    }
    const placed = tensors.map((tensor) => this.placements.get(tensor));
    if (placed.every((placement) => placement === undefined)) {
      return tensors.length === 1 ? this.dense.conv(name, tensors[0]) : this.dense.convConcat(name, tensors);
    }
    const slices = sliceInputChannels(weight, tensors);
    if (placed.every((placement) => placement !== undefined)) {
      // All windows: convolve on the union of the windows, grown by the kernel's reach.
      const placements = placed as Placement[];
      const { fullHeight, fullWidth } = placements[0];
      const union = {
        top: Math.min(...placements.map((p) => p.top)),
        left: Math.min(...placements.map((p) => p.left)),
        bottom: Math.max(...placements.map((p, i) => p.top + tensors[i].shape[1])),
        right: Math.max(...placements.map((p, i) => p.left + tensors[i].shape[2])),
      };
      const grown = growBox(union, kh, kw, fullHeight, fullWidth);
      const outputs = tensors.map((tensor, i) => tf.conv2d(this.padTo(tensor, placements[i], grown), slices[i], 1, 'same'));
      const sum = outputs.length === 1 ? outputs[0] : tf.addN(outputs);
      return this.place(sum, grown.top, grown.left, fullHeight, fullWidth);
    }
    const outputs = tensors.map((tensor, i) => {
      const placement = placed[i];
      if (placement === undefined) return tf.conv2d(tensor, slices[i], 1, 'same');
      const box = { top: placement.top, left: placement.left, bottom: placement.top + tensor.shape[1], right: placement.left + tensor.shape[2] };
      const grown = growBox(box, kh, kw, placement.fullHeight, placement.fullWidth);
      const output = tf.conv2d(this.padTo(tensor, placement, grown), slices[i], 1, 'same');
      return this.whole(this.place(output, grown.top, grown.left, placement.fullHeight, placement.fullWidth));
    });
    return tf.addN(outputs);
  }

  /** Average-pools a window after widening it to whole pooling cells. */
  private pool(x: tf.Tensor4D, window: number): tf.Tensor4D {
    const placement = this.placements.get(x);
    if (placement === undefined) return this.dense.avgPool(x, window);
    const { top, left, fullHeight, fullWidth } = placement;
    if (fullHeight % window !== 0 || fullWidth % window !== 0) {
      throw new Error(`avgPool: ${fullHeight}x${fullWidth} feature map is not divisible by the pooling window ${window}.`);
    }
    const cells = {
      top: Math.floor(top / window) * window,
      left: Math.floor(left / window) * window,
      bottom: Math.ceil((top + x.shape[1]) / window) * window,
      right: Math.ceil((left + x.shape[2]) / window) * window,
    };
    const pooled = this.dense.avgPool(this.padTo(x, placement, cells), window);
    return this.place(pooled, cells.top / window, cells.left / window, fullHeight / window, fullWidth / window);
  }

  /** Pads the window `x` at `placement` with zeros to the box (which contains it), in full-map coordinates. */
  private padTo(x: tf.Tensor4D, placement: Placement, box: Box): tf.Tensor4D {
    const [, height, width] = x.shape;
    const padding: Array<[number, number]> = [
      [0, 0],
      [placement.top - box.top, box.bottom - placement.top - height],
      [placement.left - box.left, box.right - placement.left - width],
      [0, 0],
    ];
    if (padding.every(([before, after]) => before === 0 && after === 0)) return x;
    return tf.pad(x, padding);
  }
}

/** Rows top…bottom−1 and columns left…right−1 of a feature map. */
interface Box {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/**
 * Returns the box where a 'same' convolution with a kh × kw kernel can be non-zero when its input is zero outside
 * `box`, within the fullHeight × fullWidth map. TensorFlow's 'same' padding puts ⌊(k − 1)/2⌋ zeros before
 * the map and the rest after, so output q reads inputs q − ⌊(k − 1)/2⌋ … q + ⌈(k − 1)/2⌉.
 */
function growBox(box: Box, kh: number, kw: number, fullHeight: number, fullWidth: number): Box {
  const before = (k: number) => Math.floor((k - 1) / 2);
  const after = (k: number) => k - 1 - before(k);
  return {
    top: Math.max(0, box.top - after(kh)),
    left: Math.max(0, box.left - after(kw)),
    bottom: Math.min(fullHeight, box.bottom + before(kh)),
    right: Math.min(fullWidth, box.right + before(kw)),
  };
}

/** Splits a weight [kh, kw, Σ in, out] along its input channels, one slice per tensor. */
function sliceInputChannels(weight: tf.Tensor4D, tensors: readonly tf.Tensor4D[]): tf.Tensor4D[] {
  if (tensors.length === 1) return [weight];
  const [kh, kw, , outChannels] = weight.shape;
  let first = 0;
  return tensors.map((tensor) => {
    const channels = tensor.shape[3];
    const part = tf.slice(weight, [0, 0, first, 0], [kh, kw, channels, outChannels]);
    first += channels;
    return part;
  });
}
