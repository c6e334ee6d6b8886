// Browser tests: Debian's Chromium, driven by playwright-core, against the local server that
// `make run` starts (its own data folder, a free port). A service owner signs in, registers and
// records a component (an empty one refused), opens the assessment's task list and a principle
// (a not-applicable answer without its reason refused: assessment.test.mjs does the rest);
// leadership signs in, reads the dashboard and downloads the CSV. Every page is screenshotted to
// build/browser/ and checked with axe-core: no serious or critical violation.
//
// Run: make browser-test (make test runs it). Without Chromium the tests are skipped, except
// with CI=true, where a missing browser fails the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LEADER, OUT, OWNER, skip, useServerAndBrowser } from './support.mjs';

const { baseUrl, newPage, review, signIn } = useServerAndBrowser('accessibility');

test('a service owner records a component and starts an assessment: mistakes are refused with the error summary', { skip }, async () => {
  const page = await newPage();
  await signIn(page, OWNER);
  assert.equal(new URL(page.url()).pathname, '/app/orgs/demo-borough/services');
  await review(page, '02-services');
  await page.getByRole('link', { name: 'Register a service' }).click();
  assert.equal(await page.locator('#owner_email').inputValue(), OWNER); // an owner registers their own
  await review(page, '02b-register-a-service');
  await page.goBack();

  const mine = page.locator('#services tbody tr', { hasText: 'You' }).first();
  await mine.getByRole('link').click();
  await review(page, '03-service');
  const servicePath = new URL(page.url()).pathname;

  // The component form: the contract details and the exit plan's review date are revealed
  // only under "Yes" (GOV.UK Frontend's conditional reveal), checked closed and open.
  await page.getByRole('link', { name: 'Add a component' }).click();
  const hasContract = page.locator('#has_contract');
  assert.equal(await hasContract.getAttribute('aria-controls'), 'conditional-has_contract');
  assert.equal(await hasContract.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.locator('#contract-start-day').isVisible(), false);
  assert.equal(await page.locator('#exit_plan_last_reviewed-day').isVisible(), false);
  await review(page, '04-component-form');
  await hasContract.check();
  await page.locator('#exit_plan_exists').check();
  assert.equal(await hasContract.getAttribute('aria-expanded'), 'true');
  assert.equal(await page.locator('#contract-start-day').isVisible(), true);
  assert.equal(await page.locator('#exit_plan_last_reviewed-day').isVisible(), true);
  await review(page, '04a-component-form-revealed');
  await page.locator('#has_contract-2').check();
  assert.equal(await page.locator('#contract-start-day').isVisible(), false);
  await page.locator('#has_contract').check();
  await page.getByRole('button', { name: 'Save component' }).click();
  await page.locator('.govuk-error-summary').waitFor();
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Enter the supplier's name/);
  await review(page, '05-component-errors');
  await page.goto(`${baseUrl()}${servicePath}`);

  await page.getByRole('link', { name: 'Submit an assessment' }).click();
  await page.locator('.govuk-task-list').waitFor();
  await review(page, '06-assessment-task-list');
  await page.getByRole('link', { name: /^P1: / }).click();
  // Not applicable reveals the question of why (GOV.UK conditional reveal); saving without it is refused.
  await page.locator('#P1-Q1-rating-4').check();
  await page.locator('#P1-Q1-justification').fill('');
  await page.getByRole('button', { name: 'Save and return to the principles' }).click();
  const summary = page.locator('.govuk-error-summary');
  await summary.waitFor();
  assert.match(await summary.innerText(), /There is a problem/);
  assert.match(await page.title(), /^Error: /);
  await review(page, '07-assessment-errors');
  // The summary's links take the user to the field (GOV.UK error summary pattern).
  await summary.getByRole('link', { name: 'Explain why question P1-Q1 does not apply to this service' }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'P1-Q1-justification');
  await page.context().close();
});

test('leadership reads the dashboard and downloads the scorecard CSV', { skip }, async () => {
  const page = await newPage();
  await signIn(page, LEADER);
  assert.equal(new URL(page.url()).pathname, '/app/orgs/demo-borough');
  for (const heading of ['Headline figures', 'Trend', 'Departments', 'Vendor lock-in', 'Declaration projects', 'Benchmark position', 'Services']) {
    await page.getByRole('heading', { name: heading, exact: true }).waitFor();
  }
  assert.match(await page.locator('.govuk-warning-text').innerText(), /Illustrative figures/);
  assert.ok(await page.locator('#declaration-projects tbody tr th').count() >= 1);
  assert.equal(await page.locator('svg[role=img]').count(), 1);
  const services = await page.locator('#services tbody tr').count();
  assert.ok(services > 0);
  await review(page, '09-dashboard');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: /Download the scorecard/ }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'demo-borough-scorecard.csv');
  const raw = readFileSync(await download.path(), 'utf8');
  assert.ok(raw.startsWith('\ufeff'), 'a UTF-8 byte order mark, for Excel');
  const csv = raw.slice(1).trim().split(/\r\n/);
  assert.equal(
    csv[0],
    'service_id,name,department,owner_email,status,score,level,principles.P1,principles.P2,principles.P3,principles.P4,' +
      'principles.P5,lock_in_risk,flag_count,top_flag,assessed_at,stale',
  );
  assert.equal(csv.length - 1, services);
  writeFileSync(join(OUT, 'scorecard.csv'), csv.join('\n') + '\n');
  await page.context().close();
});

test('the accessibility statement and the cookies page are a footer link away, without signing in', { skip }, async () => {
  const page = await newPage();
  await page.goto(`${baseUrl()}/app`); // the sign-in page, before anyone signs in
  const footer = page.locator('footer');
  await footer.getByRole('link', { name: 'Accessibility statement' }).click();
  assert.match(await page.locator('h1').innerText(), /^Accessibility statement/);
  await review(page, '10-accessibility-statement');
  await footer.getByRole('link', { name: 'Cookies' }).click();
  assert.equal(await page.locator('#essential-cookies h3').count(), 3);
  await review(page, '11-cookies');
  await page.context().close();
});
