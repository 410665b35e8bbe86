import { shellQuote, slurmArrayScript, type SlurmOptions } from './slurm';

const options: SlurmOptions = {
  runDirectory: '/shared/runs/paper',
  taskCount: 29,
  gahbCommand: 'node /opt/gahb/packages/cli/bin/gahb.js',
  backend: 'auto',
  time: '48:00:00',
  cpusPerTask: 8,
  gpus: 0,
};

describe('slurmArrayScript', () => {
  test('array spans every task', () => {
    expect(slurmArrayScript(options)).toContain('#SBATCH --array=0-28\n');
  });

  test('optional directives appear only when set', () => {
    const plain = slurmArrayScript(options);
    const full = slurmArrayScript({ ...options, gpus: 2, partition: 'gpu', memory: '32G' });

    expect(plain).not.toContain('--gres');
    expect(plain).not.toContain('--partition');
    expect(plain).not.toContain('--mem');
    expect(full).toContain('#SBATCH --gres=gpu:2\n');
    expect(full).toContain('#SBATCH --partition=gpu\n');
    expect(full).toContain('#SBATCH --mem=32G\n');
  });

  test('run directory with spaces is quoted', () => {
    const script = slurmArrayScript({ ...options, runDirectory: '/shared/my runs/paper' });

    expect(script).toContain(`sweep --task "$SLURM_ARRAY_TASK_ID" --run '/shared/my runs/paper' --backend auto\n`);
  });

  test('invalid time, partition and memory are rejected', () => {
    expect(() => slurmArrayScript({ ...options, time: 'abc' })).toThrow('--time abc is invalid');
    expect(() => slurmArrayScript({ ...options, partition: 'a;b' })).toThrow('--partition a;b is invalid');
    expect(() => slurmArrayScript({ ...options, memory: 'lots' })).toThrow('--memory lots is invalid');
  });

  test('Slurm time formats are accepted', () => {
    for (const time of ['90', '90:30', '48:00:00', '2-00', '2-12:30', '2-12:30:00', 'UNLIMITED']) {
      expect(() => slurmArrayScript({ ...options, time })).not.toThrow();
    }
  });

  test('relative run directory is rejected', () => {
    expect(() => slurmArrayScript({ ...options, runDirectory: 'runs/paper' })).toThrow('is relative; pass an absolute path');
  });

  test('zero tasks are rejected', () => {
    expect(() => slurmArrayScript({ ...options, taskCount: 0 })).toThrow('A Slurm array needs at least one task, got 0');
  });

  test('shellQuote escapes single quotes', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('/plain/path-1.0')).toBe('/plain/path-1.0');
  });
});
