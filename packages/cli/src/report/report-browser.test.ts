import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { reproduce } from '../reproduce/reproduce';

const chromiumPath = '/usr/bin/chromium';

/**
 * Opens report/index.html of a smoke run in headless Chromium (Debian's package) and checks that every
 * figure loads and the page logs no error. Requests to anything but local files are blocked and fail
 * the test.
 */
describe('report in headless Chromium', () => {
  let root: string;
  let reportPath: string;
  let browserContext: BrowserContext | undefined;

  beforeAll(async () => {
    if (!existsSync(chromiumPath)) {
      throw new Error(`${chromiumPath} not found: install Chromium (Debian: apt-get install chromium) to run the report browser test.`);
    }
    root = await mkdtemp(path.join(os.tmpdir(), 'gahb-report-browser-'));
    const result = await reproduce({ preset: 'smoke', out: path.join(root, 'run'), backend: 'wasm' });
    reportPath = result.reportPath;
    browserContext = await chromium.launchPersistentContext(path.join(root, 'chromium-profile'), {
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 240_000);

  afterAll(async () => {
    await browserContext?.close();
    await rm(root, { recursive: true, force: true });
  });

  test('every figure loads without console errors', async () => {
    const context = browserContext as BrowserContext;
    const blockedRequests: string[] = [];
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) {
        await route.continue();
      } else {
        blockedRequests.push(url);
        await route.abort();
      }
    });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') {
        consoleErrors.push(message.text());
      }
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));

    await page.goto(pathToFileURL(reportPath).href, { waitUntil: 'load' });
    const images = await page.$$eval('img', (elements) =>
      elements.map((element) => ({ source: element.getAttribute('src'), naturalWidth: (element as unknown as { naturalWidth: number }).naturalWidth })),
    );
    const screenshotPath = path.join(root, 'report.png');
    await page.screenshot({ path: screenshotPath, fullPage: true });

    expect(images.length).toBeGreaterThan(0);
    expect(images.filter((image) => image.naturalWidth === 0)).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(blockedRequests).toEqual([]);
    expect(statSync(screenshotPath).size).toBeGreaterThan(0);
  }, 120_000);
});
