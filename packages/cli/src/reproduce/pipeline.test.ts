import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runPipeline, type PipelineStep } from './pipeline';
import { StepUnavailableError } from './package-api';
import { RunDirectory } from './run-directory';

interface Counter {
  runs: Record<string, number>;
  failOnce: Set<string>;
}

/** Returns a step that counts its runs in `counter` and throws once when `failOnce` lists it. */
function fileStep(name: string, dependsOn: string[] = []): PipelineStep<Counter> {
  return {
    name,
    title: `Step ${name}`,
    dependsOn,
    outputs: () => [`${name}.txt`],
    async run(counter) {
      counter.runs[name] = (counter.runs[name] ?? 0) + 1;
      if (counter.failOnce.delete(name)) {
        throw new Error(`${name} crashed`);
      }
      return { metrics: { value: counter.runs[name] }, figures: [], summary: `${name} ran` };
    },
  };
}

describe('runPipeline', () => {
  let root: string;
  let run: RunDirectory;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gahb-pipeline-'));
    run = new RunDirectory(root);
    await run.create();
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** Wraps fileStep so that the step writes its output through the run directory. */
  function writingStep(name: string, dependsOn: string[] = []): PipelineStep<Counter> {
    const step = fileStep(name, dependsOn);
    return {
      ...step,
      async run(counter) {
        const outcome = await step.run(counter);
        await run.writeFile(`${name}.txt`, name);
        return outcome;
      },
    };
  }

  test('resume skips completed steps', async () => {
    const counter: Counter = { runs: {}, failOnce: new Set<string>() };
    const steps = [writingStep('a'), writingStep('b', ['a'])];

    await runPipeline(run, steps, counter, { resume: true });
    const second = await runPipeline(run, steps, counter, { resume: true });

    expect(counter.runs).toEqual({ a: 1, b: 1 });
    expect(second.skipped).toEqual(['a', 'b']);
    expect(second.ran).toEqual([]);
  });

  test('without resume every step runs again', async () => {
    const counter: Counter = { runs: {}, failOnce: new Set<string>() };
    const steps = [writingStep('a')];

    await runPipeline(run, steps, counter, { resume: true });
    await runPipeline(run, steps, counter, { resume: false });

    expect(counter.runs.a).toBe(2);
  });

  test('resume after a crash reruns only the failed step and its dependents', async () => {
    const counter: Counter = { runs: {}, failOnce: new Set(['b']) };
    const steps = [writingStep('a'), writingStep('b', ['a']), writingStep('c', ['b']), writingStep('d', ['a'])];

    const first = await runPipeline(run, steps, counter, { resume: true });
    const statuses = Object.fromEntries(first.manifests.map((manifest) => [manifest.name, manifest.status]));
    expect(statuses).toEqual({ a: 'completed', b: 'failed', c: 'blocked', d: 'completed' });
    expect((await run.readStepManifest('b'))?.summary).toBe('b crashed');

    const second = await runPipeline(run, steps, counter, { resume: true });
    expect(second.ran).toEqual(['b', 'c']);
    expect(counter.runs).toEqual({ a: 1, b: 2, c: 1, d: 1 });
  });

  test('step with a deleted output runs again', async () => {
    const counter: Counter = { runs: {}, failOnce: new Set<string>() };
    const steps = [writingStep('a')];

    await runPipeline(run, steps, counter, { resume: true });
    await rm(run.resolve('a.txt'));
    await runPipeline(run, steps, counter, { resume: true });

    expect(counter.runs.a).toBe(2);
  });

  test('step that writes no outputs is failed', async () => {
    const counter: Counter = { runs: {}, failOnce: new Set<string>() };

    const summary = await runPipeline(run, [fileStep('silent')], counter, { resume: true });

    expect(summary.manifests[0].status).toBe('failed');
    expect(summary.manifests[0].summary).toContain('silent.txt');
  });

  test('missing package function marks the step unavailable', async () => {
    const step: PipelineStep<Counter> = {
      name: 'needs-missing',
      title: 'Needs a missing export',
      outputs: () => [],
      async run() {
        throw new StepUnavailableError('needs-missing', '@gahb/example', 'missingFunction');
      },
    };

    const summary = await runPipeline(run, [step], { runs: {}, failOnce: new Set<string>() }, { resume: true });

    expect(summary.manifests[0].status).toBe('unavailable');
    expect(summary.manifests[0].summary).toBe("step needs-missing needs @gahb/example's missingFunction, not available in this build");
  });

  test('metrics.json collects every step', async () => {
    const counter: Counter = { runs: {}, failOnce: new Set<string>() };

    await runPipeline(run, [writingStep('a'), writingStep('b')], counter, { resume: true });
    const metrics = await run.readJson<Record<string, { status: string; value: number }>>('metrics.json');

    expect(metrics?.a.status).toBe('completed');
    expect(metrics?.a.value).toBe(1);
    expect(metrics?.b.value).toBe(1);
  });

  test('corrupt manifest file is an error naming it', async () => {
    await writeFile(run.resolve('steps', 'a.json'), '{ not json');

    await expect(runPipeline(run, [writingStep('a')], { runs: {}, failOnce: new Set<string>() }, { resume: true })).rejects.toThrow(/a\.json is not valid JSON/);
  });
});
