/**
 * The console in a real browser: Debian's chromium driven by puppeteer-core (installed by
 * `npm run check` when missing). Logs in, finds the rejected lot and its error path, runs a dry-run
 * replay, confirms it, sees the new compte rendu version, finds a demandeur of the lot by the
 * duplicate search; another territory's lot is 404 and a form stripped of its CSRF token is refused. Screenshots go to the test's temp dir and must not
 * be blank. With SNE_GATEWAY_DOCS_SCREENSHOT=1, the activity page is also written to docs/.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleFixture, PASSWORD, type ConsoleFixture } from './fixture.js';

let f: ConsoleFixture;
let browser: Browser;
let page: Page;
let base: string;
const shots = mkdtempSync(join(tmpdir(), 'sne-console-shots-'));

beforeAll(async () => {
  f = await consoleFixture();
  await f.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
  browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 900 });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await f?.close();
  rmSync(shots, { recursive: true, force: true });
});

/** A screenshot, checked not blank: a PNG of some weight whose pixels vary. */
async function screenshot(name: string): Promise<Buffer> {
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  const png = readFileSync(path);
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  expect(png.length).toBeGreaterThan(5_000);
  // Decoded by the browser itself (no PNG decoder among the dependencies); given as text, the test has no DOM types.
  const variance = (await page.evaluate(`(async () => {
    const img = new Image();
    img.src = 'data:image/png;base64,${png.toString('base64')}';
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, img.width, img.height).data;
    let sum = 0, sumSq = 0;
    const n = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      const luma = (data[i] + data[i + 1] + data[i + 2]) / 3;
      sum += luma;
      sumSq += luma * luma;
    }
    return sumSq / n - (sum / n) ** 2;
  })()`)) as number;
  expect(variance).toBeGreaterThan(100);
  return png;
}

describe('console in chromium', () => {
  it('logs in and shows today’s activity', async () => {
    await page.goto(`${base}/`);
    await page.type('#nom', 'amartin');
    await page.type('#motDePasse', PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click('button')]);
    expect(page.url()).toBe(`${base}/activite`);
    expect(await page.$eval('main', (m) => m.textContent)).toContain('DEM_GUICHET_NON_HABILITE');
    const png = await screenshot('activite');
    if (process.env.SNE_GATEWAY_DOCS_SCREENSHOT === '1') writeFileSync(new URL('../../docs/console-activite.png', import.meta.url), png);
  }, 60_000);

  it('shows the rejected lot and its error path, replays it after a dry run, and shows the new version', async () => {
    await page.goto(`${base}/lots?statut=REJETE`);
    await Promise.all([page.waitForNavigation(), page.click(`a[href="/lots/${f.rejected}"]`)]);
    const chemins = await page.$$eval('.chemin', (spans) => spans.map((s) => s.textContent));
    expect(chemins).toHaveLength(3);
    expect(chemins[0]).toMatch(/^\/lot\/demande\[1\]\//);
    expect(await page.$eval('#version', (s) => s.textContent)).toBe('1');
    await screenshot('lot');

    await f.gateway.registry.updateGuichet('G1104', { departements: ['93', '75'] });
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/simulation"] button')]);
    expect(await page.$eval('#diff', (d) => d.textContent)).toContain('REJETE → ACCEPTE [simulation');
    await screenshot('simulation');
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/rejeu"] button')]);
    expect(page.url()).toBe(`${base}/lots/${f.rejected}`);
    expect(await page.$eval('#version', (s) => s.textContent)).toBe('2');
    await screenshot('rejoue');
  }, 60_000);

  it('finds the replayed lot’s demandeur by nom, prénom and birth date, compared as the doublon rule compares', async () => {
    await page.goto(`${base}/recherche`);
    await page.type('input[name="nom"]', 'LEFEVRE');
    await page.type('input[name="prenom"]', 'anais');
    // Given as text: the test has no DOM types.
    await page.evaluate(`document.querySelector('input[name="naissance"]').value = '1986-09-21'`);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/recherche"] button')]);
    expect(await page.$eval('#resultat', (p) => p.textContent)).toContain('1 demande(s) pour ce demandeur sur vos territoires, dont 1 active(s)');
    expect(await page.$$eval('a[href^="/demandes?numero="]', (links) => links.map((a) => a.textContent))).toEqual([expect.stringMatching(/^\d{13}G1104$/)]);
    await screenshot('recherche');
  }, 60_000);

  it('answers 404 for another territory’s lot, and refuses a form stripped of its CSRF token', async () => {
    const response = await page.goto(`${base}/lots/${f.other}`);
    expect(response?.status()).toBe(404);
    await page.goto(`${base}/lots/${f.rejected}`);
    await page.$eval('form[action$="/simulation"] input[name="_csrf"]', (input) => input.remove());
    const [refused] = await Promise.all([page.waitForNavigation(), page.click('form[action$="/simulation"] button')]);
    expect(refused?.status()).toBe(403);
    expect(await page.$eval('h1', (h) => h.textContent)).toBe('Formulaire refusé');
  }, 60_000);
});
