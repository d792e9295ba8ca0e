/**
 * The status page at / as a person sees it: `pinwatch demo` served on
 * loopback, opened in Debian's headless Chromium through playwright-core,
 * and checked by what is on screen (VM names, a critical finding's text and
 * colour, the eBPF state), not by the HTML source.
 *
 * Needs `npm run build` and /usr/bin/chromium (scripts/install-system-packages.sh);
 * a missing browser fails the suite, it never skips it. CHROMIUM=path overrides.
 * UPDATE_SCREENSHOT=1 rewrites docs/status-page.png, the README's screenshot.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from '../src/repository-files.js';
import { freeLoopbackPort } from './loopback-port.js';
import { ManagedProcess, PollAborted, pollUntil } from './managed-process.js';

const root = repositoryRoot();
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const pinwatchMain = join(root, 'dist', 'cli', 'main.js');
/** The flags a headless Chromium needs on a CI machine run as root, with nothing reaching out to Google. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let workDir = '';
let pinwatch: ManagedProcess | null = null;
let browser: Browser | null = null;
let page: Page;

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: install Debian's chromium (bash scripts/install-system-packages.sh) or set CHROMIUM`);
  }
  if (!existsSync(pinwatchMain)) throw new Error(`${pinwatchMain} is missing: run npm run build first`);
  workDir = mkdtempSync(join(tmpdir(), 'pinwatch-status-page-e2e-'));
  const target = `127.0.0.1:${await freeLoopbackPort()}`;
  pinwatch = ManagedProcess.start('pinwatch demo', process.execPath, [pinwatchMain, 'demo', '--web.listen-address', target], root);
  await pollUntil(
    'pinwatch demo ready',
    async () => {
      if (pinwatch?.hasExited) throw new PollAborted(pinwatch.describe());
      const response = await fetch(`http://${target}/readyz`, { signal: AbortSignal.timeout(5000) });
      return response.status === 200 ? { value: true } : { reason: `readyz ${response.status}` };
    },
    120,
    500,
  );
  // The demo's live events (a memlock failure at 2 s, retired-12 exiting at 3 s) land in the next cycles.
  await new Promise((resolve) => setTimeout(resolve, 4000));
  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_FLAGS, env: { ...process.env, HOME: workDir } });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const response = await page.goto(`http://${target}/`);
  expect(response?.status()).toBe(200);
}, 180_000);

afterAll(async () => {
  // Not a test: the README's screenshot, rewritten on purpose only.
  if (process.env.UPDATE_SCREENSHOT === '1' && browser) await page.screenshot({ path: join(root, 'docs', 'status-page.png'), fullPage: true });
  await browser?.close();
  await pinwatch?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 30_000);

describe('the status page in a real browser', () => {
  it('shows the title, the host totals and every demo VM by name', async () => {
    expect(await page.title()).toBe('pinwatch');
    await expect.poll(() => page.locator('#host-totals').innerText()).toContain('VMs (VFIO users)');
    const names = await page.locator('td.vm-name').allInnerTexts();
    for (const vm of ['web-01', 'db-02', 'gpu-train-3', 'cache-04', 'batch-05', 'legacy-08', 'edge-07']) expect(names).toContain(vm);
    expect(await page.locator('#host-totals').innerText()).toMatch(/host RAM\s+\d/);
  });

  it('shows batch-05\'s critical finding in red', async () => {
    const finding = page.locator('tr', { has: page.locator('td.vm-name', { hasText: /^batch-05$/ }) }).locator('li.sev-critical').first();
    expect(await finding.isVisible()).toBe(true);
    expect(await finding.innerText()).toContain('RLIMIT_MEMLOCK 8 GiB is below the 16 GiB this VM needs charged');
    // What the eye sees: the red background of a critical finding (the page's .sev-critical).
    const background = await finding.evaluate(
      (element) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(element).backgroundColor,
    );
    expect(background).toBe('rgb(253, 226, 225)');
  });

  it('shows the eBPF state and the collectors', async () => {
    expect(await page.locator('#ebpf-state').innerText()).toMatch(/^eBPF: running, 6 probes attached/);
    const collectors = await page.locator('#collectors').innerText();
    for (const name of ['host', 'vfio_users', 'sysfs', 'ebpf', 'kernel_log']) expect(collectors).toContain(name);
  });

  it('links /metrics and the API, and runs no script', async () => {
    const links = await page.locator('#links a').evaluateAll((anchors) => anchors.map((a) => a.getAttribute('href')));
    expect(links).toEqual(expect.arrayContaining(['/metrics', '/api/v1/vms', '/api/v1/events']));
    expect(await page.locator('script').count()).toBe(0);
  });


});
