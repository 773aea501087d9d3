/**
 * The "Images and memory" walkthrough page (examples/walkthrough): every step runs in the
 * browser and prints nibabel's answers.
 */
import { expect, test } from '@playwright/test';

test('the walkthrough page runs every step with nibabel\'s answers', async ({ page }, testInfo) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/walkthrough/');
  const steps = page.locator('.step');
  await expect(steps).toHaveCount(14);
  await expect(page.locator('.err')).toHaveCount(0);
  const text = async (i: number) => (await steps.nth(i).locator('.out').textContent())?.trim();
  expect(await text(1)).toBe('true'); // img.dataobj === arr
  expect(await text(2)).toBe('false'); // isProxy(img.dataobj)
  expect(await text(3)).toBe('true'); // getData() === arr
  expect(await text(6)).toBe('true'); // isProxy(pimg.dataobj)
  expect(await text(7)).toBe('false'); // inMemory before getFdata
  expect(await text(9)).toBe('true'); // same object twice
  expect(await text(10)).toBe('true'); // inMemory after
  expect(await text(11)).toBe('false'); // after uncache
  expect(await text(12)).toBe('false'); // a new array after uncache
  expect(errors).toEqual([]);
  const shot = testInfo.outputPath('walkthrough.png');
  await page.screenshot({ path: shot, fullPage: true });
  await testInfo.attach('walkthrough.png', { path: shot, contentType: 'image/png' });
});
