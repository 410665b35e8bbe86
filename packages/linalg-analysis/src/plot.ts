// Small plotting helpers for spectra, PSNR curves and histograms: a vega-lite 5 specification is compiled to
// vega 5, rendered headless (no browser, no canvas) to an SVG string, and optionally rasterised to PNG by sharp.
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import sharp from 'sharp';

/** One curve of {@link plotLines}. */
export interface PlotSeries {
  /** Legend entry. */
  label: string;
  /** Abscissae; same length as `y`. */
  x: ArrayLike<number>;
  /** Ordinates; same length as `x`. */
  y: ArrayLike<number>;
  /** 'line' (default), 'dashed' (a dashed line, e.g. an optimal or identity reference) or 'point' (markers only). */
  style?: 'line' | 'dashed' | 'point';
  /** Y axis the series is drawn against: 'left' (default) or 'right' (a second axis with its own scale). */
  axis?: 'left' | 'right';
}

/** Axis scale type. Log scales drop points with a value <= 0. */
export type PlotScale = 'linear' | 'log';

/** Description of a line plot for {@link plotLines}. */
export interface PlotLinesSpec {
  title?: string;
  xLabel: string;
  yLabel: string;
  /** Title of the right axis, used when a series has `axis: 'right'`. */
  yLabelRight?: string;
  series: readonly PlotSeries[];
  /** Default 'linear'. */
  xScale?: PlotScale;
  /** Default 'linear'; applies to the left axis. */
  yScale?: PlotScale;
  /** Default 'linear'; applies to the right axis. */
  yScaleRight?: PlotScale;
  /** Fixed axis range [min, max]; by default the data range. */
  xDomain?: readonly [number, number];
  yDomain?: readonly [number, number];
  yDomainRight?: readonly [number, number];
  /** Size of the plotting area in pixels (axes, title and legend come on top). Default 420 x 300. */
  width?: number;
  height?: number;
}

/** One data set of {@link plotHistogram}. */
export interface HistogramSeries {
  /** Legend entry. */
  label: string;
  values: ArrayLike<number>;
}

/** Description of an overlaid histogram for {@link plotHistogram}. */
export interface PlotHistogramSpec {
  title?: string;
  xLabel: string;
  /** Default 'count', or 'density' when `density` is set. */
  yLabel?: string;
  series: readonly HistogramSeries[];
  /** Number of equal-width bins shared by all series. Default 40. */
  bins?: number;
  /** Range [min, max] covered by the bins; values outside it are not counted. Default: the range of all values. */
  domain?: readonly [number, number];
  /** Plots count / (total × bin width) instead of counts, so series of different sizes compare. Default false. */
  density?: boolean;
  /** Size of the plotting area in pixels. Default 420 x 300. */
  width?: number;
  height?: number;
}

type Row = Record<string, number | string>;

const DEFAULT_WIDTH = 420;
const DEFAULT_HEIGHT = 300;

/**
 * Renders curves (lines, dashed references or point markers, on one or two y axes) as an SVG document.
 * Non-finite points are dropped, and so are points <= 0 on a log axis.
 */
export function plotLines(spec: PlotLinesSpec): string {
  if (spec.series.length === 0) {
    throw new Error('plotLines: series is empty; pass at least one series.');
  }

  const layersByAxis: Record<'left' | 'right', object[]> = { left: [], right: [] };
  for (const series of spec.series) {
    const axis = series.axis ?? 'left';
    const yScale = axis === 'left' ? spec.yScale : spec.yScaleRight;
    const rows = seriesRows(series, spec.xScale === 'log', yScale === 'log');
    const style = series.style ?? 'line';
    const mark =
      style === 'point'
        ? { type: 'point', filled: true, size: 12 }
        : { type: 'line', strokeWidth: 1.5, ...(style === 'dashed' ? { strokeDash: [6, 4] } : {}) };
    layersByAxis[axis].push({
      data: { values: rows },
      mark,
      encoding: { color: { datum: series.label, type: 'nominal', legend: { title: null } } },
    });
  }

  const xEncoding = {
    field: 'x',
    type: 'quantitative',
    title: spec.xLabel,
    scale: scaleSpec(spec.xScale, spec.xDomain),
  };
  const axisLayer = (axis: 'left' | 'right') => ({
    encoding: {
      x: xEncoding,
      y: {
        field: 'y',
        type: 'quantitative',
        title: axis === 'left' ? spec.yLabel : (spec.yLabelRight ?? ''),
        scale: axis === 'left' ? scaleSpec(spec.yScale, spec.yDomain) : scaleSpec(spec.yScaleRight, spec.yDomainRight),
        axis: { orient: axis },
      },
    },
    layer: layersByAxis[axis],
  });

  const layers = (['left', 'right'] as const).filter((axis) => layersByAxis[axis].length > 0).map(axisLayer);
  const chart = {
    ...header(spec.title, spec.width, spec.height),
    layer: layers,
    ...(layers.length > 1 ? { resolve: { scale: { y: 'independent' } } } : {}),
  };
  return renderSvg(chart);
}

/**
 * Renders one or more histograms over shared bins, overlaid with partial opacity, as an SVG document.
 * Non-finite values are ignored.
 */
export function plotHistogram(spec: PlotHistogramSpec): string {
  if (spec.series.length === 0) {
    throw new Error('plotHistogram: series is empty; pass at least one series.');
  }
  const binCount = spec.bins ?? 40;
  if (!Number.isInteger(binCount) || binCount < 1) {
    throw new Error(`plotHistogram: bins ${binCount} is invalid: use a positive integer.`);
  }

  const [low, high] = spec.domain ?? valueRange(spec.series);
  if (!(high >= low)) {
    throw new Error(`plotHistogram: domain [${low}, ${high}] is invalid: use [min, max] with max >= min.`);
  }
  // A degenerate range (all values equal) gets a unit-width bin around the value.
  const start = high > low ? low : low - 0.5;
  const binWidth = high > low ? (high - low) / binCount : 1 / binCount;

  const rows: Row[] = [];
  for (const series of spec.series) {
    const counts = new Float64Array(binCount);
    let total = 0;
    for (let i = 0; i < series.values.length; i++) {
      const value = series.values[i];
      if (!Number.isFinite(value)) continue;
      const bin = Math.min(binCount - 1, Math.floor((value - start) / binWidth));
      if (bin < 0 || value > start + binCount * binWidth) continue;
      counts[bin] += 1;
      total += 1;
    }
    for (let bin = 0; bin < binCount; bin++) {
      const height = spec.density ? counts[bin] / Math.max(total, 1) / binWidth : counts[bin];
      rows.push({ series: series.label, binStart: start + bin * binWidth, binEnd: start + (bin + 1) * binWidth, height });
    }
  }

  const chart = {
    ...header(spec.title, spec.width, spec.height),
    data: { values: rows },
    mark: { type: 'bar', opacity: 0.55, binSpacing: 0 },
    encoding: {
      x: { field: 'binStart', type: 'quantitative', title: spec.xLabel, scale: { zero: false } },
      x2: { field: 'binEnd' },
      y: { field: 'height', type: 'quantitative', title: spec.yLabel ?? (spec.density ? 'density' : 'count'), stack: null },
      y2: { datum: 0 },
      color: { field: 'series', type: 'nominal', legend: { title: null }, sort: spec.series.map((s) => s.label) },
    },
  };
  return renderSvg(chart);
}

/** Rasterises an SVG document (e.g. from {@link plotLines}) to PNG bytes; `scale` multiplies the pixel size (default 2). */
export async function svgToPng(svg: string, options: { scale?: number } = {}): Promise<Uint8Array> {
  const scale = options.scale ?? 2;
  if (!(scale > 0)) {
    throw new Error(`svgToPng: scale ${scale} is invalid: use a value > 0.`);
  }
  const png = await sharp(Buffer.from(svg), { density: 72 * scale }).flatten({ background: '#ffffff' }).png().toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

function header(title: string | undefined, width = DEFAULT_WIDTH, height = DEFAULT_HEIGHT): Record<string, unknown> {
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    if (!(Number.isFinite(value) && value > 0)) {
      throw new Error(`plot: ${name} ${value} is invalid: use a size in pixels > 0.`);
    }
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(title ? { title } : {}),
    width,
    height,
    background: 'white',
    config: { font: 'DejaVu Sans, Lato, sans-serif' },
  };
}

function scaleSpec(type: PlotScale | undefined, domain: readonly [number, number] | undefined): Record<string, unknown> {
  return {
    type: type ?? 'linear',
    ...(type === 'log' ? {} : { zero: false }),
    ...(domain ? { domain: [...domain], clamp: true } : {}),
  };
}

function seriesRows(series: PlotSeries, logX: boolean, logY: boolean): Row[] {
  if (series.x.length !== series.y.length) {
    throw new Error(
      `plotLines: series "${series.label}" has ${series.x.length} x values and ${series.y.length} y values; pass equal lengths.`,
    );
  }
  const rows: Row[] = [];
  for (let i = 0; i < series.x.length; i++) {
    const x = series.x[i];
    const y = series.y[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if ((logX && x <= 0) || (logY && y <= 0)) continue;
    rows.push({ x, y });
  }
  return rows;
}

function valueRange(series: readonly HistogramSeries[]): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const { values } of series) {
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (!Number.isFinite(value)) continue;
      if (value < low) low = value;
      if (value > high) high = value;
    }
  }
  if (low > high) {
    throw new Error('plotHistogram: no finite values to plot; pass at least one finite value.');
  }
  return [low, high];
}

// vega 5's headless SVG string renderer, which its TypeScript typings (vega-typings) do not declare.
interface SvgStringRenderer {
  initialize(element: null, width: number, height: number, origin: [number, number]): SvgStringRenderer;
  background(color: string): SvgStringRenderer;
  render(scene: unknown): SvgStringRenderer;
  svg(): string;
}
interface SceneRoot {
  bounds: { x1: number; y1: number; width(): number; height(): number };
}
const { SVGStringRenderer } = vega as unknown as { SVGStringRenderer: new () => SvgStringRenderer };

// vega renders synchronously here because the specification has inline data only (no URLs to load).
function renderSvg(chart: Record<string, unknown>): string {
  const compiled = vegaLite.compile(chart as unknown as vegaLite.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  view.run();

  const root = (view.scenegraph() as unknown as { root: SceneRoot }).root;
  const bounds = root.bounds;
  const padding = 5;
  const renderer = new SVGStringRenderer();
  renderer.initialize(
    null,
    Math.ceil(bounds.width()) + 2 * padding,
    Math.ceil(bounds.height()) + 2 * padding,
    [padding - bounds.x1, padding - bounds.y1],
  );
  renderer.background('white');
  renderer.render(root);
  const svg = renderer.svg();
  view.finalize();
  return svg;
}
