// Browser test of the assessment journey, in Debian's Chromium against the local server (see
// support.mjs): a service owner starts a reassessment of a demo service and finds the last
// answers there, saves one principle and leaves; comes back to the draft in a new page load,
// changes two ratings, checks the answers and submits. Every step is screenshotted to
// build/browser/ and checked with axe-core (no serious or critical violation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OWNER, skip, useServerAndBrowser } from './support.mjs';

const { baseUrl, newPage, review, signIn } = useServerAndBrowser('accessibility-assessment');

async function checkedRating(page, questionId) {
  return page.locator(`input[name="${questionId}-rating"]:checked`).getAttribute('value');
}

test('an owner reassesses a service from its last answers, across two visits', { skip }, async () => {
  const page = await newPage();
  await signIn(page, OWNER, 'a01-dev-sign-in');
  await page.locator('#services tbody tr', { hasText: 'You' }).first().getByRole('link').click();
  const servicePath = new URL(page.url()).pathname;
  await page.getByRole('link', { name: 'Submit an assessment' }).click();
  const tasksUrl = page.url();

  // The reassessment starts from the latest assessment: every principle already answered.
  const statuses = await page.locator('.govuk-task-list__status').allInnerTexts();
  assert.deepEqual(statuses.map((s) => s.trim()), ['Completed', 'Completed', 'Completed', 'Completed', 'Completed']);
  assert.match(await page.locator('.govuk-inset-text').innerText(), /20 of 20 answers are from the assessment of \d+ \w+ \d{4}/);
  await review(page, 'a02-task-list-from-the-last-assessment');

  // P1: the last answers are there, each marked; each evidence row has its valid-until date.
  await page.getByRole('link', { name: /^P1: / }).click();
  assert.ok(await checkedRating(page, 'P1-Q1'), 'P1-Q1 is rated as last time');
  assert.match(await page.locator('#question-P1-Q1').innerText(), /From the assessment of/);
  assert.equal(await page.locator('#P1-Q1-evidence-1-valid-until-year').count(), 1);
  await review(page, 'a03-principle-with-the-last-answers');
  const before = { q1: await checkedRating(page, 'P1-Q1'), q2: await checkedRating(page, 'P1-Q2') };

  // Half-way: not applicable reveals its question (GOV.UK conditional reveal), answered, saved.
  await page.locator('#P1-Q3-rating-4').check();
  await page.locator('#P1-Q3-justification').waitFor({ state: 'visible' });
  await review(page, 'a04-not-applicable-revealed');
  await page.locator('#P1-Q3-justification').fill('Residents never use this part of the service.');
  await page.getByRole('button', { name: 'Save and return to the principles' }).click();
  await page.locator('.govuk-notification-banner--success').waitFor();
  assert.match(await page.locator('.govuk-notification-banner--success').innerText(), /P1: .* is saved in your draft/);
  await review(page, 'a05-principle-saved');
  await page.context().close();

  // Later, a new page load (a new browser context: the draft is on the server, not in the browser).
  const again = await newPage();
  await signIn(again, OWNER, 'a06-dev-sign-in-again');
  await again.goto(tasksUrl);
  assert.match(await again.locator('body').innerText(), /Your draft is saved/);
  await again.getByRole('link', { name: /^P1: / }).click();
  assert.equal(await checkedRating(again, 'P1-Q3'), 'not_applicable');
  assert.equal(await again.locator('#P1-Q3-justification').inputValue(), 'Residents never use this part of the service.');
  const changed = { q1: before.q1 === 'green' ? 'amber' : 'green', q2: before.q2 === 'red' ? 'amber' : 'red' };
  await again.locator(`input[name="P1-Q1-rating"][value="${changed.q1}"]`).check();
  await again.locator(`input[name="P1-Q2-rating"][value="${changed.q2}"]`).check();
  await review(again, 'a07-two-ratings-changed');
  await again.getByRole('button', { name: 'Save and return to the principles' }).click();
  await again.locator('.govuk-notification-banner--success').waitFor();

  await again.getByRole('link', { name: 'Check your answers' }).click();
  const answers = await again.locator('main').innerText();
  assert.match(answers, /Residents never use this part of the service/);
  await review(again, 'a08-check-your-answers');
  await again.getByRole('button', { name: 'Submit assessment' }).click();

  await again.waitForURL((url) => url.pathname === servicePath);
  assert.match(await again.locator('.govuk-notification-banner--success').innerText(), /The service now scores \d+(\.\d)? out of 100/);
  await review(again, 'a09-service-after-submission');

  // Submitted: the draft is gone, and the next reassessment starts from this one.
  await again.goto(tasksUrl);
  assert.doesNotMatch(await again.locator('body').innerText(), /Your draft is saved/);
  await again.getByRole('link', { name: /^P1: / }).click();
  assert.equal(await checkedRating(again, 'P1-Q1'), changed.q1);
  assert.equal(await checkedRating(again, 'P1-Q3'), 'not_applicable');
  await review(again, 'a10-next-reassessment-starts-from-this-one');
  await again.context().close();
});
