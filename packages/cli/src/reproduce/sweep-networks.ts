/**
 * The networks of the generalization sweep as the analysis steps see them: for each data set and N, the
 * jobs of the S1 and S2 networks, with their data set plan.
 */
import { cAlphaKey, planDataSets, type DataSetPlan } from './data-sets';
import type { Preset } from './presets';
import { jobId, type TrainingJob } from './training-jobs';

export interface SweepPair {
  n: number;
  s1: TrainingJob;
  s2: TrainingJob;
}

export interface SweepDataSet {
  plan: DataSetPlan;
  /** Label for captions, e.g. "C^α (α = 2)" or "photo patches". */
  label: string;
  pairs: SweepPair[];
}

/** Returns the data sets of the sweep with their S1/S2 network pairs, in increasing N. */
export function sweepDataSets(preset: Preset): SweepDataSet[] {
  const plans = planDataSets(preset);
  return preset.generalization.datasets.map((dataset) => {
    const key = dataset.name === 'c-alpha' ? cAlphaKey(preset.generalization.cAlphaAlpha) : 'photos';
    const plan = plans.find((candidate) => candidate.key === key) as DataSetPlan;
    const label = dataset.name === 'c-alpha' ? `C^α images (α = β = ${preset.generalization.cAlphaAlpha})` : 'natural images (--data, default: bundled photo patches)';
    const pairs = [...dataset.sizes]
      .sort((a, b) => a - b)
      .map((n) => ({
        n,
        s1: { id: jobId(key, n, 1), dataset: key, n, side: 1 as const },
        s2: { id: jobId(key, n, 2), dataset: key, n, side: 2 as const },
      }));
    return { plan, label, pairs };
  });
}
