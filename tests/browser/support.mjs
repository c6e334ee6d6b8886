// What every browser test file shares: the local server that `make run` starts (its own data
// folder, a free port), Debian's Chromium, pages under their real Content-Security-Policy, and
// a review of each page (a screenshot to build/browser/ and axe-core: no serious or critical
// violation; every violation goes into build/browser/<report>.json).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BROWSER = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const OUT = join(ROOT, 'build', 'browser');
const AXE = join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const OWNER = 'a.okafor@demo-borough.example';
export const LEADER = 'cdo@demo-borough.example';

const haveBrowser = existsSync(BROWSER);
if (!haveBrowser && process.env.CI === 'true') {
  throw new Error(`Chromium is not at ${BROWSER}: CI must run the browser tests (apt-get install chromium).`);
}
export const skip = haveBrowser ? false : `no Chromium at ${BROWSER} (apt-get install chromium)`;

// GOV.UK Frontend puts aria-expanded on a radio that reveals conditional content, on purpose:
// screen readers announce it, and the Design System keeps it after research with their users
// (alphagov/govuk-frontend#979, #1280 "known issues"). ARIA 1.2 allows aria-expanded on
// radiogroup but not on radio, so axe-core's aria-allowed-attr rule reports it as critical.
// The rule stays on for everything else: only this one attribute on this one role is allowed.
const AXE_CONFIG = { checks: [{ id: 'aria-allowed-attr', options: { radio: ['aria-expanded'] } }] };
const AXE_OPTIONS = { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] };

// 320 CSS pixels: WCAG 1.4.10's width, a 1280 px screen zoomed to 400%.
const NARROW = { width: 320, height: 640 };
const AXE_SOURCE = existsSync(AXE) ? readFileSync(AXE, 'utf8') : '';

// Registers the server and the browser around a test file's tests; `report` names its
// accessibility report. Returns a getter for the server's address.
export function useServerAndBrowser(report) {
  const state = { findings: [], widths: [] };
  before(async () => {
    if (skip) return;
    mkdirSync(OUT, { recursive: true });
    state.dataDir = mkdtempSync(join(tmpdir(), 'ldd-browser-'));
    state.server = spawn(join(ROOT, '.venv', 'bin', 'python'), ['-m', 'devserver'], {
      cwd: ROOT, env: { ...process.env, PORT: '0', LDD_LOCAL_DIR: state.dataDir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    state.baseUrl = await new Promise((ok, fail) => {
      let seen = '';
      const timer = setTimeout(() => fail(new Error(`the server did not start:\n${seen}`)), 120_000);
      const read = (chunk) => {
        seen += chunk;
        const found = seen.match(/local server: (http:\/\/127\.0\.0\.1:\d+)/);
        if (found) { clearTimeout(timer); ok(found[1]); }
      };
      state.server.stdout.on('data', read);
      state.server.stderr.on('data', read);
      state.server.on('exit', (code) => fail(new Error(`the server exited (${code}):\n${seen}`)));
    });
    state.browser = await chromium.launch({ executablePath: BROWSER, args: FLAGS });
  });

  after(async () => {
    await state.browser?.close();
    state.server?.kill('SIGTERM');
    if (state.findings.length) writeFileSync(join(OUT, `${report}.json`), JSON.stringify(state.findings, null, 2));
    if (state.widths.length) writeFileSync(join(OUT, `${report}-reflow.json`), JSON.stringify(state.widths, null, 2));
    if (state.dataDir) rmSync(state.dataDir, { recursive: true, force: true });
  });

  // Pages run under their own Content-Security-Policy: a violation (a blocked script, style or
  // form submission) fails the test.
  async function newPage() {
    const context = await state.browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.cspViolations = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) page.cspViolations.push(message.text());
    });
    return page;
  }

  async function review(page, name) {
    await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
    assert.deepEqual(page.cspViolations, [], `${name}: Content-Security-Policy violations`);
    // Words, never a catalogue template's placeholders such as {supplier}.
    assert.deepEqual((await page.locator('body').innerText()).match(/\{[a-z_]+\}/g) ?? [], [], `${name}: template text`);
    await page.evaluate(AXE_SOURCE); // evaluated by the test, not a <script> the CSP would refuse
    const result = await page.evaluate(([config, options]) => {
      window.axe.configure(config);
      return window.axe.run(document, options);
    }, [AXE_CONFIG, AXE_OPTIONS]);
    const violations = result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
    state.findings.push({ page: name, url: page.url(), violations });
    const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(blocking, [], `${name}: serious or critical accessibility violations`);
    await reflow(page, name);
  }

  // The page at 320 px (WCAG 2.2, 1.4.10 Reflow): its document no wider than the window (a wide
  // table scrolls inside its own region), screenshotted as <name>-320.png; then the wide window.
  async function reflow(page, name) {
    const wide = page.viewportSize();
    await page.setViewportSize(NARROW);
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.screenshot({ path: join(OUT, `${name}-320.png`), fullPage: true });
    await page.setViewportSize(wide);
    state.widths.push({ page: name, viewport: NARROW.width, scrollWidth });
    assert.ok(scrollWidth <= NARROW.width, `${name}: ${scrollWidth} px wide at ${NARROW.width} px (it scrolls sideways)`);
  }

  async function signIn(page, email, screenshot = '01-dev-sign-in') {
    await page.goto(`${state.baseUrl}/app`);
    assert.match(await page.locator('h1').innerText(), /Sign in as a demo user/);
    await review(page, screenshot);
    await page.getByRole('button', { name: `Sign in as ${email}` }).click();
  }

  return { baseUrl: () => state.baseUrl, newPage, review, signIn };
}
