/**
 * Tangent space of a manifold image class at one image: the span of the derivatives of the image with respect to
 * the varying parameters, by central differences of the generator's renderer, orthonormalised. At small noise
 * the optimal (MMSE) denoiser of images on a manifold is the orthogonal projection onto this space, so its
 * dimension is the number of eigenvalues near 1 of the optimal denoiser's Jacobian.
 */
import { isManifoldGenerator, type ImageGenerator, type ManifoldGenerator } from './generator';
import { checkParameterVector, resolveOptions } from './options';
import { getGenerator } from './registry';

/** Orthonormal basis of a tangent space. */
export interface TangentSpace {
  /** [dimension, height·width] in C order; the rows are orthonormal. */
  basis: Float64Array;
  /** Number of basis vectors: the number of varying parameters, less any whose derivative is 0 or dependent. */
  dimension: number;
  /** Number of pixels of one image, the length of each basis vector. */
  pixelCount: number;
}

/** Relative norm below which a derivative counts as linearly dependent on the previous ones. */
const RANK_TOLERANCE = 1e-6;

/**
 * Computes the tangent space of `generator` (a name or a generator) at the image of `parameters` (one parameter
 * vector, as `generate` returns it) with `options`. Derivative j is (render(θ + h_j e_j) − render(θ − h_j e_j)) / 2h_j,
 * and Gram-Schmidt, applied twice for accuracy, orthonormalises them in the order of the parameters.
 */
export function tangentSpace<O>(
  generator: string | ImageGenerator<O>,
  parameters: ArrayLike<number>,
  options: Partial<O> = {},
): TangentSpace {
  const resolvedGenerator = typeof generator === 'string' ? getGenerator(generator) : generator;
  if (!isManifoldGenerator(resolvedGenerator)) {
    throw new Error(
      `tangentSpace: class "${resolvedGenerator.name}" is not a manifold (it has no render method). ` +
        'Use a manifold class such as disks or sines.',
    );
  }
  const manifold = resolvedGenerator as ManifoldGenerator<O>;
  const resolved = resolveOptions(manifold, options);
  const steps = manifold.differenceSteps(resolved);
  const varying = manifold.varyingParameters(resolved);
  // Checked here as well as in the built-in renderers, so that a third-party class cannot return NaN tangent vectors.
  checkParameterVector(manifold.name, parameters, manifold.parameterNames(resolved));

  const center = manifold.render(parameters, options);
  const pixelCount = center.length;
  const vectors: Float64Array[] = [];
  for (const index of varying) {
    const plus = Array.from(parameters);
    const minus = Array.from(parameters);
    plus[index] += steps[index];
    minus[index] -= steps[index];
    const imagePlus = manifold.render(plus, options);
    const imageMinus = manifold.render(minus, options);
    const derivative = new Float64Array(pixelCount);
    for (let p = 0; p < pixelCount; p++) {
      derivative[p] = (imagePlus[p] - imageMinus[p]) / (2 * steps[index]);
    }
    vectors.push(derivative);
  }

  const basis = orthonormalize(vectors);
  const flat = new Float64Array(basis.length * pixelCount);
  basis.forEach((vector, k) => flat.set(vector, k * pixelCount));
  return { basis: flat, dimension: basis.length, pixelCount };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    sum += a[i] * b[i];
  }
  return sum;
}

/** Modified Gram-Schmidt with reorthogonalisation; vectors whose remainder is negligible are dropped. */
function orthonormalize(vectors: Float64Array[]): Float64Array[] {
  const basis: Float64Array[] = [];
  for (const vector of vectors) {
    const originalNorm = Math.sqrt(dot(vector, vector));
    const remainder = vector.slice();
    for (let pass = 0; pass < 2; pass++) {
      for (const unit of basis) {
        const projection = dot(remainder, unit);
        for (let i = 0; i < remainder.length; i++) {
          remainder[i] -= projection * unit[i];
        }
      }
    }
    const norm = Math.sqrt(dot(remainder, remainder));
    if (originalNorm === 0 || norm <= RANK_TOLERANCE * originalNorm) {
      continue;
    }
    for (let i = 0; i < remainder.length; i++) {
      remainder[i] /= norm;
    }
    basis.push(remainder);
  }
  return basis;
}
