/**
 * Sine waves: x = ½ + (a/2)·sin(2π(f_x·column + f_y·row)/size + φ) with random amplitude a and phase φ, a
 * manifold of up to 2 dimensions, like the sinusoid images of unit frequency with random phase and intensity in
 * Kadkhodaie et al. (ICLR 2024, appendix C.2, figure 20). The study does not state orientation or offset: here
 * the frequency is (f_x, f_y) cycles per image, and the offset ½ keeps intensities in [0, 1]. The tangent space is
 * spanned by the sine and the cosine of the same frequency.
 */
import { RandomStream, createImageBatch } from '@gahb/core';
import type { GeneratedImages, ManifoldGenerator } from './generator';
import { checkGenerateArguments, checkParameterVector, resolveOptions } from './options';

/** Options of the 'sines' generator. */
export interface SineOptions {
  /** Image height and width in pixels. */
  size: number;
  /** Horizontal frequency in cycles per image. */
  frequencyX: number;
  /** Vertical frequency in cycles per image. */
  frequencyY: number;
  /** Vary the amplitude a (1 dimension); otherwise a = 1. */
  amplitude: boolean;
  /** Vary the phase φ (1 dimension); otherwise φ = 0. */
  phase: boolean;
  /** Smallest amplitude drawn; the phase is not identifiable as a approaches 0. */
  minAmplitude: number;
}

const PARAMETER_NAMES = ['amplitude', 'phase'];

function renderSine(parameters: ArrayLike<number>, options: SineOptions): Float32Array {
  const size = options.size;
  const amplitude = parameters[0];
  const phase = parameters[1];
  const image = new Float32Array(size * size);
  const step = (2 * Math.PI) / size;
  for (let row = 0; row < size; row++) {
    for (let column = 0; column < size; column++) {
      const angle = step * (options.frequencyX * column + options.frequencyY * row) + phase;
      image[row * size + column] = 0.5 + 0.5 * amplitude * Math.sin(angle);
    }
  }
  return image;
}

/** The 'sines' generator. Parameters per image: amplitude a in [0, 1], phase φ in radians. */
export const sinesGenerator: ManifoldGenerator<SineOptions> = {
  name: 'sines',
  description: 'Sine waves of fixed frequency with random amplitude and phase (a manifold of up to 2 dimensions)',
  options: {
    size: { type: 'integer', default: 40, min: 4, max: 4096, description: 'Image height and width in pixels.' },
    frequencyX: { type: 'integer', default: 1, min: -1024, max: 1024, description: 'Horizontal frequency in cycles per image.' },
    frequencyY: { type: 'integer', default: 0, min: -1024, max: 1024, description: 'Vertical frequency in cycles per image.' },
    amplitude: { type: 'boolean', default: true, description: 'Vary the amplitude (1 dimension); otherwise 1.' },
    phase: { type: 'boolean', default: true, description: 'Vary the phase (1 dimension); otherwise 0.' },
    minAmplitude: {
      type: 'number',
      default: 0.1,
      min: 0,
      max: 1,
      description: 'Smallest amplitude drawn (amplitudes are U(minAmplitude, 1)).',
    },
  },

  parameterNames(): string[] {
    return [...PARAMETER_NAMES];
  },

  varyingParameters(options: SineOptions): number[] {
    const varying: number[] = [];
    if (options.amplitude) {
      varying.push(0);
    }
    if (options.phase) {
      varying.push(1);
    }
    return varying;
  },

  differenceSteps(): number[] {
    return [1e-3, 1e-3];
  },

  render(parameters: ArrayLike<number>, partialOptions: Partial<SineOptions> = {}): Float32Array {
    const options = resolveOptions(sinesGenerator, partialOptions);
    checkParameterVector('sines', parameters, PARAMETER_NAMES);
    return renderSine(parameters, options);
  },

  generate(count: number, seed: number, partialOptions: Partial<SineOptions> = {}, startIndex = 0): GeneratedImages {
    checkGenerateArguments('sines', count, seed, startIndex);
    const options = resolveOptions(sinesGenerator, partialOptions);
    if (options.frequencyX === 0 && options.frequencyY === 0) {
      throw new Error('sines: frequencyX and frequencyY are both 0, which gives constant images: set one of them.');
    }
    const size = options.size;
    const images = createImageBatch(count, size, size, 1);
    const parameters = new Float64Array(count * 2);
    for (let i = 0; i < count; i++) {
      const stream = RandomStream.fromSeed(seed, 'sines', startIndex + i);
      const amplitudeDraw = stream.uniform();
      const phaseDraw = stream.uniform();
      parameters[2 * i] = options.amplitude ? options.minAmplitude + (1 - options.minAmplitude) * amplitudeDraw : 1;
      parameters[2 * i + 1] = options.phase ? 2 * Math.PI * phaseDraw : 0;
      images.data.set(renderSine(parameters.subarray(2 * i, 2 * i + 2), options), i * size * size);
    }
    return { images, parameters };
  },
};
