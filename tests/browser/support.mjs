// What the browser tests share: the local server `make run` starts (its own data folder, a free
// port), Debian's Chromium driven by playwright-core, and the review of each page (a screenshot
// in build/browser/, its Content-Security-Policy violations, axe-core). Each test file calls
// `setUp(name)` once at its top; its accessibility report is build/browser/<name>.json.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
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

export let baseUrl;
let server, browser, dataDir;
const report = [];

export function setUp(reportName) {
  before(start);
  after(() => stop(reportName));
}

async function start() {
  if (skip) return;
  mkdirSync(OUT, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'ldd-browser-'));
  server = spawn(join(ROOT, '.venv', 'bin', 'python'), ['-m', 'devserver'], {
    cwd: ROOT, env: { ...process.env, PORT: '0', LDD_LOCAL_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  baseUrl = await new Promise((ok, fail) => {
    let seen = '';
    const timer = setTimeout(() => fail(new Error(`the server did not start:\n${seen}`)), 120_000);
    const read = (chunk) => {
      seen += chunk;
      const found = seen.match(/local server: (http:\/\/127\.0\.0\.1:\d+)/);
      if (found) { clearTimeout(timer); ok(found[1]); }
    };
    server.stdout.on('data', read);
    server.stderr.on('data', read);
    server.on('exit', (code) => fail(new Error(`the server exited (${code}):\n${seen}`)));
  });
  browser = await chromium.launch({ executablePath: BROWSER, args: FLAGS });
}

async function stop(reportName) {
  await browser?.close();
  server?.kill('SIGTERM');
  if (report.length) writeFileSync(join(OUT, `${reportName}.json`), JSON.stringify(report, null, 2));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

const AXE_SOURCE = existsSync(AXE) ? readFileSync(AXE, 'utf8') : '';

// Pages run under their own Content-Security-Policy: a violation (a blocked script, style or
// form submission) fails the test.
export async function newPage() {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.cspViolations = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) page.cspViolations.push(message.text());
  });
  return page;
}

// Screenshot and axe-core: every violation goes into build/browser/accessibility.json; serious
// or critical ones fail the test.
export async function review(page, name) {
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
  assert.deepEqual(page.cspViolations, [], `${name}: Content-Security-Policy violations`);
  await page.evaluate(AXE_SOURCE); // evaluated by the test, not a <script> the CSP would refuse
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }));
  const violations = result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  report.push({ page: name, url: page.url(), violations });
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(blocking, [], `${name}: serious or critical accessibility violations`);
}

export async function signIn(page, email) {
  await page.goto(`${baseUrl}/app`);
  assert.match(await page.locator('h1').innerText(), /Sign in as a demo user/);
  await review(page, '01-dev-sign-in');
  await page.getByRole('button', { name: `Sign in as ${email}` }).click();
}

