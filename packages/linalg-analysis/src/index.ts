export { plotLines, plotHistogram, svgToPng } from './plot';
export type { PlotSeries, PlotScale, PlotLinesSpec, HistogramSeries, PlotHistogramSpec } from './plot';
export { symmetricEigen, singularValues } from './symmetric-eigen';
export type { SymmetricEigenResult, SymmetricEigenOptions } from './symmetric-eigen';
export { tridiagonalEigen, tridiagonalEigenvalues } from './tridiagonal-eigen';
export type { TridiagonalEigenResult } from './tridiagonal-eigen';
export { lanczosTopK } from './lanczos';
export type { LanczosOptions, LanczosResult, SymmetricMatVec } from './lanczos';
export {
  computeJacobian,
  computeJacobianRows,
  computeJacobianColumns,
  jacobianVectorProduct,
  vectorJacobianProduct,
  jacobianProductPair,
  openJacobianProducts,
  jacobianChecks,
  relativeAsymmetry,
} from './jacobian';
export type { JacobianOptions, JacobianProductOptions, JacobianProducts, JacobianChecks, JacobianCheckOptions, JacobianMethod } from './jacobian';
export { analyzeDenoiserAt, spectrumAcrossSigmas, traceAndAsymmetryEstimates, peakSignalToNoiseRatio } from './analysis';
export type { AnalyzeOptions, JacobianAnalysis, SpectrumAtSigma } from './analysis';
export { fitRate, optimalCAlphaSlope, sigmaToPsnr } from './rate-fit';
export type { RateFit } from './rate-fit';
export { principalAngles, energyOutsideSubspace } from './subspace';
export { writeEigenvectorGrid, spectrumPlot, writePlot } from './figures';
export type { EigenvectorGridOptions, SpectrumPlotData } from './figures';
