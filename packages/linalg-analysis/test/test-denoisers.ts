// Denoisers with known Jacobians for the tests: a linear map (A = M exactly), a tiny bias-free ReLU
// convolutional network with an independent float64 reference implementation, and an affine map with an
// additive term (not homogeneous).
import * as tf from '@tensorflow/tfjs-core';
import { RandomStream } from '@gahb/core';
import type { Denoiser } from '@gahb/backend';

/** x̂(y) = M y with M a d×d row-major matrix, so A(y) = M for every y. */
export class LinearDenoiser implements Denoiser {
  readonly name = 'linear';
  private readonly transposed: tf.Tensor2D;

  constructor(
    readonly matrix: Float64Array,
    readonly d: number,
  ) {
    const transposed = new Float32Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) transposed[j * d + i] = matrix[i * d + j];
    }
    this.transposed = tf.tensor2d(transposed, [d, d]);
  }

  denoise(noisy: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.matMul(tf.reshape(noisy, [noisy.shape[0], this.d]), this.transposed).reshape(noisy.shape) as tf.Tensor4D);
  }

  dispose(): void {
    this.transposed.dispose();
  }
}

/** x̂(y) = 0.5 y + offset: affine, so A = 0.5 I but A y ≠ x̂(y). */
export class AffineDenoiser implements Denoiser {
  readonly name = 'affine';

  constructor(private readonly offset: number) {}

  denoise(noisy: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.add(tf.mul(noisy, 0.5), this.offset) as tf.Tensor4D);
  }
}

/**
 * x̂(y) = conv(relu(conv(y, W1)), W2) with 3x3 'same' convolutions, 1 → hidden → 1 channels and no bias,
 * so x̂ is positively homogeneous and piecewise linear.
 */
export class TinyReluNetwork implements Denoiser {
  readonly name = 'tiny-relu';
  readonly first: Float32Array;
  readonly second: Float32Array;
  private readonly firstTensor: tf.Tensor4D;
  private readonly secondTensor: tf.Tensor4D;

  constructor(
    readonly hidden: number,
    seed: number,
  ) {
    const random = RandomStream.fromSeed(seed, 'tiny-relu-weights');
    this.first = new Float32Array(9 * hidden);
    this.second = new Float32Array(9 * hidden);
    random.fillNormal(this.first, 0, 0.4);
    random.fillNormal(this.second, 0, 0.4);
    // tfjs filter layout [height, width, in, out].
    this.firstTensor = tf.tensor4d(this.first, [3, 3, 1, hidden]);
    this.secondTensor = tf.tensor4d(this.second, [3, 3, hidden, 1]);
  }

  denoise(noisy: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.conv2d(tf.relu(tf.conv2d(noisy, this.firstTensor, 1, 'same')), this.secondTensor, 1, 'same'));
  }

  /** Evaluates the same network in float64 plain loops on one image of height × width × 1 values. */
  reference(image: ArrayLike<number>, height: number, width: number): Float64Array {
    const hidden = new Float64Array(height * width * this.hidden);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < this.hidden; c++) {
          let sum = 0;
          for (let dy = -1; dy <= 1; dy++) {
            for (let dx = -1; dx <= 1; dx++) {
              const yy = y + dy;
              const xx = x + dx;
              if (yy < 0 || yy >= height || xx < 0 || xx >= width) continue;
              sum += image[yy * width + xx] * this.first[((dy + 1) * 3 + (dx + 1)) * this.hidden + c];
            }
          }
          hidden[(y * width + x) * this.hidden + c] = Math.max(sum, 0);
        }
      }
    }
    const output = new Float64Array(height * width);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let sum = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy < 0 || yy >= height || xx < 0 || xx >= width) continue;
            for (let c = 0; c < this.hidden; c++) {
              sum += hidden[(yy * width + xx) * this.hidden + c] * this.second[((dy + 1) * 3 + (dx + 1)) * this.hidden + c];
            }
          }
        }
        output[y * width + x] = sum;
      }
    }
    return output;
  }

  dispose(): void {
    this.firstTensor.dispose();
    this.secondTensor.dispose();
  }
}

/** Returns the d×d Jacobian of `f` at `y` by float64 central differences with step h (row i = ∂f_i/∂y). */
export function finiteDifferenceJacobian(f: (y: Float64Array) => Float64Array, y: Float64Array, h: number): Float64Array {
  const d = y.length;
  const jacobian = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const plus = Float64Array.from(y);
    const minus = Float64Array.from(y);
    plus[j] += h;
    minus[j] -= h;
    const fPlus = f(plus);
    const fMinus = f(minus);
    for (let i = 0; i < d; i++) jacobian[i * d + j] = (fPlus[i] - fMinus[i]) / (2 * h);
  }
  return jacobian;
}
