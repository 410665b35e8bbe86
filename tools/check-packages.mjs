#!/usr/bin/env node
/**
 * Checks that every workspace package works as published. The script builds all packages, packs each one
 * with `npm pack` and installs all tarballs together into an empty temporary project (third-party
 * dependencies come from the npm registry). Then plain Node loads each package's entry point with `require()`
 * (CommonJS) and with `import()` (ESM loading CommonJS). Each must export something, and every CommonJS export
 * must also be an ESM named export. Last, the installed `gahb info` must run.
 *
 * Usage: node tools/check-packages.mjs [--keep]
 *   --keep  keep the temporary folder (tarballs and test project) and print its path.
 *
 * Prints one line per package and exits with status 1 if any step fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const unknownArguments = process.argv.slice(2).filter((argument) => argument !== '--keep');
if (unknownArguments.length > 0) {
  console.error(`Unknown argument ${unknownArguments[0]}; the only option is --keep.`);
  process.exit(2);
}

// npm passes its configuration to scripts through npm_* variables. The workspace and prefix settings of
// `npm run` in this repository must not apply to the npm commands run in the temporary project.
const childEnvironment = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^npm_(package_|lifecycle_|config_(workspaces?|include_workspace_root|local_prefix|prefix|global)$)/i.test(key),
  ),
);

/**
 * Runs `command` with `args` in `cwd` and returns its output. A non-zero exit, a signal or a timeout raises
 * an error whose message contains the command and the end of its output.
 */
function run(command, args, { cwd, timeoutSeconds }) {
  const result = spawnSync(command, args, {
    cwd,
    env: childEnvironment,
    encoding: 'utf8',
    timeout: timeoutSeconds * 1000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.error !== undefined || result.status !== 0) {
    const reason =
      result.error?.code === 'ETIMEDOUT'
        ? `timed out after ${timeoutSeconds} s`
        : result.error !== undefined
          ? result.error.message
          : result.signal !== null
            ? `was killed by ${result.signal}`
            : `exited with status ${result.status}`;
    const tail = output.trim().split('\n').slice(-15).join('\n');
    throw new Error(`\`${command} ${args.join(' ')}\` in ${cwd} ${reason}${tail ? `:\n${tail}` : ''}`);
  }
  return { stdout: result.stdout, output };
}

function seconds(start) {
  return `${((performance.now() - start) / 1000).toFixed(1)} s`;
}

const failures = [];
const report = (ok, name, detail) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'}  ${name.padEnd(24)} ${detail}`);
  if (!ok) failures.push(name);
};

const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const workspaces = rootPackage.workspaces.map((folder) => {
  const manifest = JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8'));
  return { folder: join(root, folder), name: manifest.name, manifest };
});

const temporary = mkdtempSync(join(tmpdir(), 'gahb-check-packages-'));
const tarballFolder = join(temporary, 'tarballs');
const project = join(temporary, 'project');

try {
  // 1. Build every package, as the root `prepare` script does during `npm ci`.
  let start = performance.now();
  try {
    run('npx', ['tsc', '-b', 'tsconfig.build.json'], { cwd: root, timeoutSeconds: 600 });
    report(true, 'build', `tsc -b tsconfig.build.json (${seconds(start)})`);
  } catch (error) {
    report(false, 'build', error.message);
    throw new Error('The build failed, so the packages cannot be packed.');
  }

  // 2. Pack each package and check that the tarball contains its entry point, types and README.
  const tarballs = [];
  mkdirSync(tarballFolder);
  for (const workspace of workspaces) {
    start = performance.now();
    try {
      const { stdout } = run('npm', ['pack', '--json', '--pack-destination', tarballFolder], { cwd: workspace.folder, timeoutSeconds: 120 });
      const [packed] = JSON.parse(stdout.slice(stdout.indexOf('[')));
      const files = new Set(packed.files.map((file) => file.path));
      const required = [workspace.manifest.main, workspace.manifest.types, 'README.md', 'package.json']
        .filter((path) => typeof path === 'string')
        .map((path) => path.replace(/^\.\//, ''));
      const missing = required.filter((path) => !files.has(path));
      // A missing file fails the package but does not stop the install and load checks of the others.
      workspace.problem =
        missing.length > 0 ? `the tarball lacks ${missing.join(', ')}; add the file, build, and check "files" in package.json` : undefined;
      workspace.tarball = join(tarballFolder, packed.filename);
      tarballs.push(workspace.tarball);
      workspace.packDetail = `${packed.entryCount} files, ${(packed.size / 1024).toFixed(0)} kB`;
    } catch (error) {
      report(false, workspace.name, `npm pack failed: ${error.message}`);
    }
  }
  if (tarballs.length !== workspaces.length) {
    throw new Error('Some packages could not be packed, so the install check was not run.');
  }

  // 3. Install all tarballs together into an empty project.
  start = performance.now();
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'gahb-package-check', private: true }, null, 2)}\n`);
  try {
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], { cwd: project, timeoutSeconds: 600 });
    report(true, 'install', `${tarballs.length} tarballs into an empty project (${seconds(start)})`);
  } catch (error) {
    report(false, 'install', error.message);
    throw new Error('The tarballs did not install, so no package could be loaded.');
  }

  // 4. Load each entry point from CommonJS and from ESM in a fresh Node process.
  for (const workspace of workspaces) {
    start = performance.now();
    const name = JSON.stringify(workspace.name);
    const script = `
      const commonJs = require(${name});
      const commonJsNames = Object.keys(commonJs).filter((key) => key !== '__esModule');
      if (commonJsNames.length === 0) throw new Error('require() returned no exports');
      import(${name}).then((esm) => {
        const esmNames = new Set(Object.keys(esm).filter((key) => key !== 'default' && key !== '__esModule'));
        const missing = commonJsNames.filter((key) => !esmNames.has(key));
        if (missing.length > 0) throw new Error('import() lacks the named exports ' + missing.join(', '));
        console.log(commonJsNames.length + ' exports (CJS and ESM)');
      }).catch((error) => { console.error(error.stack || String(error)); process.exit(1); });`;
    try {
      const { stdout } = run('node', ['-e', script], { cwd: project, timeoutSeconds: 120 });
      const detail = `${stdout.trim()}, ${workspace.packDetail} (${seconds(start)})`;
      report(workspace.problem === undefined, workspace.name, workspace.problem === undefined ? detail : `${workspace.problem}; ${detail}`);
    } catch (error) {
      report(false, workspace.name, [workspace.problem, error.message].filter(Boolean).join('; '));
    }
  }

  // 5. Run the installed command-line program.
  start = performance.now();
  try {
    const { output } = run(join(project, 'node_modules', '.bin', 'gahb'), ['info'], { cwd: project, timeoutSeconds: 120 });
    const firstLine = output.trim().split('\n')[0] ?? '';
    if (firstLine === '') throw new Error('`gahb info` printed nothing');
    report(true, 'gahb info', `${firstLine} (${seconds(start)})`);
  } catch (error) {
    report(false, 'gahb info', error.message);
  }
} catch (error) {
  console.error(error.message);
  failures.push('setup');
} finally {
  if (keep) {
    console.log(`Kept the tarballs and the test project in ${temporary}`);
  } else {
    rmSync(temporary, { recursive: true, force: true });
  }
}

if (failures.length > 0) {
  console.error(`check-packages failed: ${[...new Set(failures)].join(', ')}`);
  process.exit(1);
}
console.log(`check-packages passed: ${workspaces.length} packages`);
