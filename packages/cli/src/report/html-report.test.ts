import { buildReportHtml, escapeHtml } from './html-report';
import type { StepManifest } from '../reproduce/run-directory';

function manifest(overrides: Partial<StepManifest>): StepManifest {
  return {
    name: 'generalization',
    title: 'Generalization',
    status: 'completed',
    outputs: [],
    metrics: {},
    figures: [],
    summary: 'summary',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    seconds: 1,
    ...overrides,
  };
}

describe('buildReportHtml', () => {
  test('escapeHtml escapes markup characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  });

  test('captions and summaries are escaped', () => {
    const html = buildReportHtml(undefined, [
      manifest({ summary: 'gap < 1 dB', figures: [{ path: 'figures/a.svg', caption: 'N = 1 & N = 10 <b>' }] }),
    ]);

    expect(html).toContain('gap &#60; 1 dB');
    expect(html).toContain('<figcaption>N = 1 &#38; N = 10 &#60;b&#62;</figcaption>');
    expect(html).not.toContain('<b>');
  });

  test('figures are linked relative to report folder', () => {
    const html = buildReportHtml(undefined, [manifest({ figures: [{ path: 'figures/generalization-c-alpha-2-gap.svg', caption: 'gap' }] })]);

    expect(html).toContain('<img src="../figures/generalization-c-alpha-2-gap.svg"');
  });

  test('sections follow the step order', () => {
    const html = buildReportHtml(undefined, [manifest({ name: 'sampling' }), manifest({ name: 'data-c-alpha-2' })], ['data-c-alpha-2', 'sampling']);

    expect(html.indexOf('id="step-data-c-alpha-2"')).toBeLessThan(html.indexOf('id="step-sampling"'));
  });

  test('incomplete steps are listed at the top', () => {
    const html = buildReportHtml(undefined, [manifest({ name: 'disks', status: 'unavailable', summary: 'needs tangentSpace' })]);

    expect(html).toContain('Steps that did not complete: disks (unavailable).');
  });

  test('key numbers table lists gap and similarities per N', () => {
    const generalization = manifest({
      metrics: { 'c-alpha-2': { rows: [{ n: 10, gap: 16.5, gapS2: 15.25, memorizer: { gap: 40 } }] } },
    });
    const sampling = manifest({
      name: 'sampling',
      metrics: { 'c-alpha-2': { rows: [{ n: 10, medianPaired: 0.45, medianNearestS1: 0.999, medianNearestS2: 0.98, copyFraction: 0.75, unconverged: 1 }] } },
    });

    const html = buildReportHtml(undefined, [generalization, sampling]);

    expect(html).toContain('<tr><td>10</td><td>16.5</td><td>15.3</td><td>40</td><td>0.45</td><td>0.999</td><td>0.98</td><td>0.75</td><td>1</td></tr>');
  });

  test('key numbers table lists C^α slopes', () => {
    const cAlpha = manifest({ name: 'c-alpha', metrics: { rows: [{ alpha: 2, slope: 0.61, slopeStandardError: 0.02, optimalSlope: 2 / 3 }] } });

    const html = buildReportHtml(undefined, [cAlpha]);

    expect(html).toContain('<tr><td>2</td><td>0.61</td><td>0.02</td><td>0.667</td></tr>');
  });
});
