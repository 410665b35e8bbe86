/**
 * The HTML report of a reproduce run: one self-contained page with inline CSS, no scripts, and figures
 * linked by relative path from `report/` to `figures/`. It shows a table of key numbers, one section per
 * step with each figure captioned by its content and the numbers behind it, and the configuration.
 */
import path from 'node:path';
import type { RunConfig } from '../reproduce/context';
import type { RunDirectory, StepManifest } from '../reproduce/run-directory';
import { keyNumberTables, type KeyNumberTable } from './key-numbers';

/** Escapes `text` for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const style = `
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; } caption { text-align: left; font-style: italic; padding-bottom: 0.3em; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; image-rendering: pixelated; border: 1px solid #ddd; }
figcaption { font-size: 0.9em; color: #444; max-width: 900px; }
.status { font-weight: bold; } .status-completed { color: #1a7f37; } .status-failed, .status-blocked, .status-unavailable { color: #b3261e; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
`;

function renderTable(table: KeyNumberTable): string {
  const header = table.header.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('');
  const rows = table.rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<table><caption>${escapeHtml(table.caption)}</caption><thead><tr>${header}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

function renderStep(manifest: StepManifest): string {
  const figures = manifest.figures
    .map((figure) => {
      const source = path.posix.join('..', ...figure.path.split(path.sep));
      return `<figure><img src="${escapeHtml(source)}" alt="${escapeHtml(figure.caption)}"><figcaption>${escapeHtml(figure.caption)}</figcaption></figure>`;
    })
    .join('\n');
  return [
    `<section id="step-${escapeHtml(manifest.name)}">`,
    `<h2>${escapeHtml(manifest.title)}</h2>`,
    `<p><span class="status status-${manifest.status}">${escapeHtml(manifest.status)}</span> in ${manifest.seconds.toFixed(1)} s (step <code>${escapeHtml(manifest.name)}</code>, finished ${escapeHtml(manifest.finishedAt)}).</p>`,
    `<p>${escapeHtml(manifest.summary)}</p>`,
    figures,
    '</section>',
  ].join('\n');
}

/**
 * Returns the report page for `config` and the step `manifests`, sections in the order of `stepOrder`
 * (steps not listed follow in manifest order).
 */
export function buildReportHtml(config: RunConfig | undefined, manifests: StepManifest[], stepOrder: readonly string[] = []): string {
  const ordered = [...manifests].sort((a, b) => rank(stepOrder, a.name) - rank(stepOrder, b.name));
  const tables = keyNumberTables(ordered);
  const incomplete = ordered.filter((manifest) => manifest.status !== 'completed');
  const preset = config?.preset;
  const title = `gahb reproduce: ${preset?.name ?? 'run'} preset`;

  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${style}</style>`,
    '</head><body>',
    `<h1>${escapeHtml(title)}</h1>`,
    '<p>Reproduction of Kadkhodaie, Guth, Simoncelli and Mallat, "Generalization in diffusion models arises from geometry-adaptive harmonic representations" (ICLR 2024) at the scale of this preset.</p>',
    preset === undefined ? '' : `<p>${escapeHtml(preset.description)}${preset.calibrated ? '' : ' The preset is not calibrated: its run time and effects are estimates.'}</p>`,
    incomplete.length === 0 ? '' : `<p class="status status-failed">Steps that did not complete: ${escapeHtml(incomplete.map((manifest) => `${manifest.name} (${manifest.status})`).join(', '))}.</p>`,
    '<h2>Key numbers</h2>',
    tables.length === 0 ? '<p>No step with numbers has completed yet.</p>' : tables.map(renderTable).join('\n'),
    ...ordered.map(renderStep),
    '<h2>Configuration</h2>',
    `<pre>${escapeHtml(JSON.stringify(config ?? {}, null, 2))}</pre>`,
    '</body></html>',
    '',
  ].join('\n');
}

function rank(order: readonly string[], name: string): number {
  const index = order.indexOf(name);
  return index === -1 ? order.length : index;
}

/** Rebuilds `report/index.html` of `run` from its `config.json` and step manifests; returns the page's path. */
export async function writeReport(run: RunDirectory, stepOrder: readonly string[] = []): Promise<string> {
  const config = await run.readRunConfig();
  const manifests = await run.readAllStepManifests();
  const relativePath = path.join('report', 'index.html');
  await run.writeFile(relativePath, buildReportHtml(config, manifests, stepOrder));
  return run.resolve(relativePath);
}
