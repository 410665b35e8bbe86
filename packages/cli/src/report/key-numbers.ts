/**
 * The table of key numbers at the top of the report, read from the step manifests: train/test PSNR gap,
 * median paired and nearest-training similarity and copy fraction per N, fitted C^α slopes against
 * α/(α + 1), and effective dimensionalities.
 */
import type { StepManifest } from '../reproduce/run-directory';

export interface KeyNumberTable {
  caption: string;
  header: string[];
  rows: string[][];
}

function format(value: unknown, digits = 3): string {
  return typeof value === 'number' && Number.isFinite(value) ? Number(value.toPrecision(digits)).toString() : 'n/a';
}

interface GeneralizationMetrics {
  rows: Array<{ n: number; gap: number; gapS2: number; memorizer?: { gap: number } }>;
}

interface SamplingMetrics {
  rows: Array<{ n: number; medianPaired: number; medianNearestS1: number; medianNearestS2: number; copyFraction: number; unconverged: number }>;
}

/** Returns the key-number tables that the completed steps among `manifests` provide. */
export function keyNumberTables(manifests: StepManifest[]): KeyNumberTable[] {
  const byName = new Map(manifests.filter((manifest) => manifest.status === 'completed').map((manifest) => [manifest.name, manifest]));
  const tables: KeyNumberTable[] = [];

  const generalization = byName.get('generalization')?.metrics as Record<string, GeneralizationMetrics> | undefined;
  const sampling = byName.get('sampling')?.metrics as Record<string, SamplingMetrics> | undefined;
  const keys = new Set([...Object.keys(generalization ?? {}), ...Object.keys(sampling ?? {})]);
  for (const key of keys) {
    const gapRows = generalization?.[key]?.rows ?? [];
    const samplingRows = sampling?.[key]?.rows ?? [];
    const sizes = [...new Set([...gapRows.map((row) => row.n), ...samplingRows.map((row) => row.n)])].sort((a, b) => a - b);
    tables.push({
      caption: `Generalization sweep on ${key}: PSNR gap in dB (mean over the noise grid of train − test PSNR); similarities are medians of the mean-removed cosine similarity over the seeds.`,
      header: ['N', 'gap S1 (dB)', 'gap S2 (dB)', 'gap memorizer (dB, train PSNR capped at 100 dB)', 'paired S1/S2', 'nearest training S1', 'nearest training S2', 'copy fraction', 'unconverged samples'],
      rows: sizes.map((n) => {
        const gap = gapRows.find((row) => row.n === n);
        const similarity = samplingRows.find((row) => row.n === n);
        return [
          String(n),
          format(gap?.gap),
          format(gap?.gapS2),
          format(gap?.memorizer?.gap),
          format(similarity?.medianPaired),
          format(similarity?.medianNearestS1),
          format(similarity?.medianNearestS2),
          format(similarity?.copyFraction),
          similarity === undefined ? 'n/a' : String(similarity.unconverged),
        ];
      }),
    });
  }

  const cAlpha = byName.get('c-alpha')?.metrics as { rows?: Array<{ alpha: number; slope: number; slopeStandardError: number; optimalSlope: number }> } | undefined;
  if (cAlpha?.rows !== undefined) {
    tables.push({
      caption: 'C^α images: PSNR slope fitted at small noise against the optimal rate α/(α + 1).',
      header: ['α', 'fitted slope', 'standard error', 'optimal α/(α + 1)'],
      rows: cAlpha.rows.map((row) => [String(row.alpha), format(row.slope), format(row.slopeStandardError, 2), format(row.optimalSlope)]),
    });
  }

  const dimensionRows: string[][] = [];
  const jacobian = byName.get('jacobian')?.metrics as { network?: string; perSigma?: Array<{ sigma: number; effectiveDimensionality: number; asymmetry?: number }> } | undefined;
  for (const entry of jacobian?.perSigma ?? []) {
    dimensionRows.push([`${jacobian?.network} at a test image`, String(entry.sigma), format(entry.effectiveDimensionality), format(entry.asymmetry)]);
  }
  const disks = byName.get('disks')?.metrics as { sigma?: number; effectiveDimensionality?: number; manifoldDimension?: number; asymmetry?: number } | undefined;
  if (disks?.effectiveDimensionality !== undefined) {
    dimensionRows.push([`disk network (manifold dimension ${format(disks.manifoldDimension)})`, format(disks.sigma), format(disks.effectiveDimensionality), format(disks.asymmetry)]);
  }
  if (dimensionRows.length > 0) {
    tables.push({
      caption: 'Effective dimensionality = trace of the denoiser Jacobian; asymmetry = ‖A − Aᵀ‖_F / ‖A‖_F.',
      header: ['denoiser', 'σ', 'effective dimensionality', 'asymmetry'],
      rows: dimensionRows,
    });
  }
  return tables;
}
