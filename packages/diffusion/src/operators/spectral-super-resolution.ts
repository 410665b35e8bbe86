/**
 * Spectral super-resolution: the lowest spatial frequencies of each channel are measured, a fraction p of
 * the Fourier coefficients. Frequencies (u, v) with |u| ≤ kRows and |v| ≤ kColumns (signed, modulo the image
 * size) are kept; this set is closed under (u, v) → (−u, −v), so the measured subspace is real.
 *
 * The measurements are the coefficients of the image on a real orthonormal basis of that subspace, derived
 * from the orthonormal 2-D DFT X(u, v) = (1/√(HW)) Σ x[a, b]·exp(−2πi(ua/H + vb/W)): Re X for a
 * self-conjugate frequency, and √2·Re X, √2·Im X for one frequency of each conjugate pair. So MᵀM = I and
 * M Mᵀ is the ideal low-pass filter.
 *
 * NOTE: the authors' code keeps rows 0 … k−1 and H−k … H−1 (one more negative than positive frequency), a
 * set that is not conjugate-symmetric; here both signs are kept equally, so counts differ slightly.
 */
import { checkFraction, checkImageShape, checkLength, type MeasurementOperator } from '../measurement-operator';

export interface SpectralSuperResolutionOptions {
  /** Target fraction p of the Fourier coefficients that is measured, in (0, 1]; the kept block is the closest fit. */
  fraction: number;
}

/** One real measurement: the real part, or √2 times the real or imaginary part, of coefficient (u, v). */
interface Slot {
  u: number;
  v: number;
  kind: 'real' | 'cos' | 'sin';
}

/** Whether signed frequency `index` (modulo `size`) is within `limit` of 0. */
function isLowFrequency(index: number, size: number, limit: number): boolean {
  return Math.min(index, size - index) <= limit;
}

/** Returns the operator that measures the lowest spatial frequencies of [height, width, channels] images. */
export function spectralSuperResolution(imageShape: readonly number[], options: SpectralSuperResolutionOptions): MeasurementOperator {
  const [height, width, channels] = checkImageShape('spectralSuperResolution', imageShape);
  checkFraction('spectralSuperResolution', 'fraction', options.fraction);
  const fraction = options.fraction;

  // 1. Half-widths of the kept block: about √p of the rows, then the columns that bring the count to p·H·W.
  const rowLimit = Math.min(Math.floor(height / 2), Math.max(0, Math.round((height * Math.sqrt(fraction) - 1) / 2)));
  const keptRows: number[] = [];
  for (let u = 0; u < height; u++) {
    if (isLowFrequency(u, height, rowLimit)) {
      keptRows.push(u);
    }
  }
  const columnTarget = (fraction * height * width) / keptRows.length;
  const columnLimit = Math.min(Math.floor(width / 2), Math.max(0, Math.round((columnTarget - 1) / 2)));
  const keptColumns: number[] = [];
  for (let v = 0; v < width; v++) {
    if (isLowFrequency(v, width, columnLimit)) {
      keptColumns.push(v);
    }
  }

  // 2. One slot per real measurement; the partner (−u, −v) of a conjugate pair gets no slot of its own.
  const slots: Slot[] = [];
  for (const u of keptRows) {
    for (const v of keptColumns) {
      const partnerU = (height - u) % height;
      const partnerV = (width - v) % width;
      const index = u * width + v;
      const partnerIndex = partnerU * width + partnerV;
      if (index === partnerIndex) {
        slots.push({ u, v, kind: 'real' });
      } else if (index < partnerIndex) {
        slots.push({ u, v, kind: 'cos' }, { u, v, kind: 'sin' });
      }
    }
  }

  // 3. Twiddle factors exp(−2πi·u·a/H) for kept rows and exp(−2πi·v·b/W) for kept columns.
  const rowCos = new Float64Array(keptRows.length * height);
  const rowSin = new Float64Array(keptRows.length * height);
  keptRows.forEach((u, r) => {
    for (let a = 0; a < height; a++) {
      const angle = (2 * Math.PI * ((u * a) % height)) / height;
      rowCos[r * height + a] = Math.cos(angle);
      rowSin[r * height + a] = Math.sin(angle);
    }
  });
  const columnCos = new Float64Array(keptColumns.length * width);
  const columnSin = new Float64Array(keptColumns.length * width);
  keptColumns.forEach((v, q) => {
    for (let b = 0; b < width; b++) {
      const angle = (2 * Math.PI * ((v * b) % width)) / width;
      columnCos[q * width + b] = Math.cos(angle);
      columnSin[q * width + b] = Math.sin(angle);
    }
  });
  const rowPosition = new Map(keptRows.map((u, r) => [u, r]));
  const columnPosition = new Map(keptColumns.map((v, q) => [v, q]));

  const imageSize = height * width * channels;
  const slotCount = slots.length;
  const measurementSize = slotCount * channels;
  const scale = 1 / Math.sqrt(height * width);
  const name = `spectral super-resolution (${slotCount} of ${height * width} coefficients)`;
  const rowCount = keptRows.length;
  const columnCount = keptColumns.length;

  return {
    name,
    imageShape: [height, width, channels],
    measurementShape: [slotCount, channels],
    measurementSize,
    isOrthonormal: true,
    forward(image: Float32Array): Float32Array {
      checkLength(name, 'image', image.length, imageSize);
      const measurement = new Float32Array(measurementSize);
      // partialRe/Im[a, q] = Σ_b x[a, b, c]·exp(−2πi·v_q·b/W), then X(u_r, v_q) = Σ_a partial[a, q]·exp(−2πi·u_r·a/H).
      const partialRe = new Float64Array(height * columnCount);
      const partialIm = new Float64Array(height * columnCount);
      const spectrumRe = new Float64Array(rowCount * columnCount);
      const spectrumIm = new Float64Array(rowCount * columnCount);
      for (let c = 0; c < channels; c++) {
        partialRe.fill(0);
        partialIm.fill(0);
        for (let a = 0; a < height; a++) {
          for (let q = 0; q < columnCount; q++) {
            let re = 0;
            let im = 0;
            for (let b = 0; b < width; b++) {
              const value = image[(a * width + b) * channels + c];
              re += value * columnCos[q * width + b];
              im -= value * columnSin[q * width + b];
            }
            partialRe[a * columnCount + q] = re;
            partialIm[a * columnCount + q] = im;
          }
        }
        for (let r = 0; r < rowCount; r++) {
          for (let q = 0; q < columnCount; q++) {
            let re = 0;
            let im = 0;
            for (let a = 0; a < height; a++) {
              const cos = rowCos[r * height + a];
              const sin = rowSin[r * height + a];
              const pRe = partialRe[a * columnCount + q];
              const pIm = partialIm[a * columnCount + q];
              re += pRe * cos + pIm * sin;
              im += pIm * cos - pRe * sin;
            }
            spectrumRe[r * columnCount + q] = re * scale;
            spectrumIm[r * columnCount + q] = im * scale;
          }
        }
        slots.forEach((slot, s) => {
          const position = (rowPosition.get(slot.u) as number) * columnCount + (columnPosition.get(slot.v) as number);
          let value: number;
          if (slot.kind === 'real') {
            value = spectrumRe[position];
          } else if (slot.kind === 'cos') {
            value = Math.SQRT2 * spectrumRe[position];
          } else {
            value = Math.SQRT2 * spectrumIm[position];
          }
          measurement[s * channels + c] = value;
        });
      }
      return measurement;
    },
    adjoint(measurement: Float32Array): Float32Array {
      checkLength(name, 'measurement', measurement.length, measurementSize);
      const image = new Float32Array(imageSize);
      const spectrumRe = new Float64Array(rowCount * columnCount);
      const spectrumIm = new Float64Array(rowCount * columnCount);
      const partialRe = new Float64Array(height * columnCount);
      const partialIm = new Float64Array(height * columnCount);
      for (let c = 0; c < channels; c++) {
        // Hermitian spectrum Z with Z(−u, −v) = conj Z(u, v), from the slots.
        spectrumRe.fill(0);
        spectrumIm.fill(0);
        slots.forEach((slot, s) => {
          const value = measurement[s * channels + c];
          const position = (rowPosition.get(slot.u) as number) * columnCount + (columnPosition.get(slot.v) as number);
          const partner =
            (rowPosition.get((height - slot.u) % height) as number) * columnCount + (columnPosition.get((width - slot.v) % width) as number);
          if (slot.kind === 'real') {
            spectrumRe[position] += value;
          } else if (slot.kind === 'cos') {
            spectrumRe[position] += value / Math.SQRT2;
            spectrumRe[partner] += value / Math.SQRT2;
          } else {
            spectrumIm[position] += value / Math.SQRT2;
            spectrumIm[partner] -= value / Math.SQRT2;
          }
        });
        // partial[a, q] = Σ_r Z(u_r, v_q)·exp(+2πi·u_r·a/H), then x[a, b] = Re Σ_q partial[a, q]·exp(+2πi·v_q·b/W) / √(HW).
        for (let a = 0; a < height; a++) {
          for (let q = 0; q < columnCount; q++) {
            let re = 0;
            let im = 0;
            for (let r = 0; r < rowCount; r++) {
              const cos = rowCos[r * height + a];
              const sin = rowSin[r * height + a];
              const zRe = spectrumRe[r * columnCount + q];
              const zIm = spectrumIm[r * columnCount + q];
              re += zRe * cos - zIm * sin;
              im += zIm * cos + zRe * sin;
            }
            partialRe[a * columnCount + q] = re;
            partialIm[a * columnCount + q] = im;
          }
        }
        for (let a = 0; a < height; a++) {
          for (let b = 0; b < width; b++) {
            let re = 0;
            for (let q = 0; q < columnCount; q++) {
              re += partialRe[a * columnCount + q] * columnCos[q * width + b] - partialIm[a * columnCount + q] * columnSin[q * width + b];
            }
            image[(a * width + b) * channels + c] = re * scale;
          }
        }
      }
      return image;
    },
  };
}
