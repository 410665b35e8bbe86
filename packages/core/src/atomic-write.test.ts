import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutputPath, writeChunksAtomic, writeFileAtomic, writeJsonAtomic } from './atomic-write';

let folder: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'gahb-atomic-'));
});

afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  test('writes string and bytes', async () => {
    const textPath = join(folder, 'a.txt');
    const bytesPath = join(folder, 'b.bin');
    await writeFileAtomic(textPath, 'héllo');
    await writeFileAtomic(bytesPath, new Uint8Array([0, 1, 255]));

    expect(await readFile(textPath, 'utf8')).toBe('héllo');
    expect([...(await readFile(bytesPath))]).toEqual([0, 1, 255]);
    expect(await readdir(folder)).toEqual(['a.txt', 'b.bin']);
  });

  test('replaces an existing file', async () => {
    const path = join(folder, 'state.json');
    await writeFile(path, 'old');
    await writeFileAtomic(path, 'new');

    expect(await readFile(path, 'utf8')).toBe('new');
  });

  test('failed write keeps old file', async () => {
    const path = join(folder, 'checkpoint.bin');
    await writeFile(path, 'old content');

    // A value that is neither a string nor bytes makes the write fail after the temporary file exists.
    const invalidData = { length: 3 } as unknown as Uint8Array;
    await expect(writeFileAtomic(path, invalidData)).rejects.toThrow(`Writing "${path}" failed`);

    expect(await readFile(path, 'utf8')).toBe('old content');
    expect(await readdir(folder)).toEqual(['checkpoint.bin']);
  });

  test('failed rename removes temporary file', async () => {
    // Renaming a file over a non-empty folder fails on every POSIX system.
    const path = join(folder, 'target');
    await mkdir(path);
    await writeFile(join(path, 'inside.txt'), 'x');

    await expect(writeFileAtomic(path, 'data')).rejects.toThrow(`Writing "${path}" failed`);

    expect(await readdir(folder)).toEqual(['target']);
  });

  test('missing folder names path', async () => {
    const path = join(folder, 'missing', 'file.txt');
    await expect(writeFileAtomic(path, 'data')).rejects.toThrow(`Writing "${path}" failed: the folder "${join(folder, 'missing')}" does not exist`);
  });
});

describe('writeChunksAtomic', () => {
  test('writes an async generator in order', async () => {
    const path = join(folder, 'parts.bin');
    async function* parts(): AsyncGenerator<Uint8Array | string> {
      yield new Uint8Array([1, 2]);
      yield 'A';
      yield new Uint8Array([3]);
    }
    await writeChunksAtomic(path, parts());

    expect([...(await readFile(path))]).toEqual([1, 2, 65, 3]);
    expect(await readdir(folder)).toEqual(['parts.bin']);
  });

  test('failing generator keeps old file', async () => {
    const path = join(folder, 'parts.bin');
    await writeFile(path, 'old');
    const stop = new Error('generator stopped');
    async function* parts(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array([1]);
      throw stop;
    }
    const failure = await writeChunksAtomic(path, parts()).catch((error: unknown) => error as Error);

    expect(failure).toBeInstanceOf(Error);
    expect(failure?.message).toBe(`Writing "${path}" failed: generator stopped`);
    expect(failure?.cause).toBe(stop);
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(folder)).toEqual(['parts.bin']);
  });
});

describe('checkOutputPath', () => {
  test('accepts new file in folder', async () => {
    await expect(checkOutputPath(join(folder, 'new.npy'))).resolves.toBeUndefined();
  });

  test('rejects folder and missing folder', async () => {
    await expect(checkOutputPath(folder, '--out')).rejects.toThrow(`--out "${folder}" is a folder; pass the path of a file.`);
    const missing = join(folder, 'missing', 'file.npy');
    await expect(checkOutputPath(missing, '--out')).rejects.toThrow(`the folder "${join(folder, 'missing')}" does not exist`);
    await writeFile(join(folder, 'plain'), 'x');
    await expect(checkOutputPath(join(folder, 'plain', 'file.npy'))).rejects.toThrow('is not a folder');
  });
});

describe('writeJsonAtomic', () => {
  test('writes indented JSON', async () => {
    const path = join(folder, 'config.json');
    await writeJsonAtomic(path, { sigma: 0.1, sizes: [1, 2] });

    const text = await readFile(path, 'utf8');
    expect(JSON.parse(text)).toEqual({ sigma: 0.1, sizes: [1, 2] });
    expect(text.endsWith('\n')).toBe(true);
    expect(text).toContain('\n  "sigma": 0.1');
  });

  test('circular value is an error', async () => {
    const path = join(folder, 'circular.json');
    const value: Record<string, unknown> = {};
    value.self = value;
    await expect(writeJsonAtomic(path, value)).rejects.toThrow(`Writing "${path}" failed: the value has no JSON form`);
    expect(await readdir(folder)).toEqual([]);
  });

  test('undefined value is an error', async () => {
    const path = join(folder, 'nothing.json');
    await expect(writeJsonAtomic(path, undefined)).rejects.toThrow('has no JSON form');
    expect(await readdir(folder)).toEqual([]);
  });
});
