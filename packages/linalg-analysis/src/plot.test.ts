import sharp from 'sharp';
import { plotHistogram, plotLines, svgToPng } from './plot';

describe('plotLines', () => {
  test('renders labels and legend entries', () => {
    const k = Array.from({ length: 50 }, (_, i) => i);
    const svg = plotLines({
      title: 'Spectrum',
      xLabel: 'k',
      yLabel: 'eigenvalue',
      yLabelRight: 'coefficient',
      series: [
        { label: 'lambda_k', x: k, y: k.map((i) => 1 / (1 + i)) },
        { label: 'abs coefficient', x: k, y: k.map((i) => Math.exp(-i / 10)), style: 'point', axis: 'right' },
        { label: 'reference', x: [0, 49], y: [1, 0], style: 'dashed' },
      ],
    });

    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Spectrum');
    expect(svg).toContain('eigenvalue');
    expect(svg).toContain('coefficient');
    expect(svg).toContain('lambda_k');
    expect(svg).toContain('reference');
    expect(svg).toContain('stroke-dasharray');
  });

  test('drops non-positive points on log axes', () => {
    // Only (10, 1) and (100, 10) survive. A non-positive point on a log axis would give NaN coordinates.
    const svg = plotLines({
      xLabel: 'sigma',
      yLabel: 'MSE',
      xScale: 'log',
      yScale: 'log',
      series: [{ label: 'mse', x: [0, 10, 100, -1], y: [1, 1, 10, 5] }],
    });

    expect(svg).not.toContain('NaN');
  });

  test('rejects series of unequal length', () => {
    expect(() => plotLines({ xLabel: 'x', yLabel: 'y', series: [{ label: 'bad', x: [1, 2], y: [1] }] })).toThrow(
      /"bad" has 2 x values and 1 y values/,
    );
  });
});

describe('plotHistogram', () => {
  test('renders one bar per bin and series', () => {
    const svg = plotHistogram({
      xLabel: 'cosine similarity',
      series: [
        { label: 'A', values: [0.1, 0.2, 0.2, 0.9] },
        { label: 'B', values: [0.5, 0.6] },
      ],
      bins: 4,
      domain: [0, 1],
    });

    // vega draws every bar of a mark as one <path> inside the mark's group.
    const bars = svg.match(/<path[^>]*aria-roledescription="bar"/g) ?? [];
    expect(bars.length).toBe(8);
    expect(svg).toContain('cosine similarity');
    expect(svg).toContain('count');
  });

  test('rejects an empty value set', () => {
    expect(() => plotHistogram({ xLabel: 'x', series: [{ label: 'empty', values: [NaN] }] })).toThrow(/no finite values/);
  });
});

describe('svgToPng', () => {
  test('rasterises at the requested scale', async () => {
    const svg = plotLines({ xLabel: 'x', yLabel: 'y', series: [{ label: 'line', x: [0, 1], y: [0, 1] }], width: 200, height: 100 });
    const width = Number(/width="(\d+)"/.exec(svg)?.[1]);

    const png = await svgToPng(svg, { scale: 2 });
    const metadata = await sharp(png).metadata();

    expect(metadata.format).toBe('png');
    expect(metadata.width).toBe(2 * width);
  });
});
