// Finding things (issue 13), in Chromium against the local server with its demo data: leadership
// follows a lock-in risk count on the dashboard to the services list filtered by it, and a
// service owner opens a past assessment of their service and sees what changed since the one
// before. Each page is screenshotted to build/browser/ and checked with axe-core (report:
// build/browser/accessibility-find.json). Setup: tests/browser/support.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LEADER, OWNER, skip, useServerAndBrowser } from './support.mjs';

const { newPage, review, signIn } = useServerAndBrowser('accessibility-find');

test('leadership follows a risk count on the dashboard to the services it counts', { skip }, async () => {
  const page = await newPage();
  await signIn(page, LEADER);
  assert.equal(new URL(page.url()).pathname, '/app/orgs/demo-borough');
  await page.locator('#contents').getByRole('link', { name: 'Vendor lock-in' }).click();
  assert.equal(new URL(page.url()).hash, '#vendor-lock-in');

  // The first risk with services at it, from the highest down.
  const counts = page.locator('#lock-in-by-risk tbody a');
  let link;
  for (let i = 0; i < await counts.count(); i += 1) {
    if (Number((await counts.nth(i).innerText()).split(/\s/)[0]) > 0) { link = counts.nth(i); break; }
  }
  assert.ok(link, 'some service has a lock-in risk in the demo data');
  const counted = Number((await link.innerText()).split(/\s/)[0]);
  await link.click();

  const url = new URL(page.url());
  assert.equal(url.pathname, '/app/orgs/demo-borough/services');
  const risk = url.searchParams.get('risk');
  assert.ok(risk);
  assert.equal(await page.locator('#risk').inputValue(), risk); // the filter shows what it filters by
  assert.equal(await page.locator('#services tbody tr').count(), counted);
  await review(page, '20-services-filtered-by-risk');

  // Sorting keeps the filter, and is a link (a bookmark).
  await page.locator('#services thead').getByRole('link', { name: /^Score/ }).click();
  assert.equal(new URL(page.url()).searchParams.get('risk'), risk);
  assert.equal(new URL(page.url()).searchParams.get('sort'), 'score');
  assert.equal(await page.locator('#services tbody tr').count(), counted);
  await page.context().close();
});

test('a service owner opens a past assessment and sees what changed', { skip }, async () => {
  const page = await newPage();
  await signIn(page, OWNER);
  await page.locator('#services tbody tr', { hasText: 'You' }).first().getByRole('link').first().click();
  const history = page.locator('#assessments tbody a');
  assert.ok(await history.count() >= 2, 'the demo service has a history');
  await history.nth(0).click(); // the latest, compared with the one before it
  assert.match(await page.locator('h1').innerText(), /^Assessment of /);
  assert.match(await page.locator('#changes-summary').innerText(), /the score went from .* to /);
  assert.ok(await page.locator('#principle-changes tbody tr').count() >= 5);
  assert.ok(await page.locator('#contributions tbody tr').count() >= 10);
  await review(page, '21-past-assessment');
  await page.context().close();
});
