import { copyFile, mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, describeWithChromium } from '../support/browser.js';
import {
  addUser,
  ManualClock,
  PASSWORD,
  ServerHarness,
  type TestServer,
} from '../support/server-fixture.js';

// Browser mode in a real browser (Debian's Chromium, headless, driven by playwright-core).
// The server listens on http://127.0.0.1:<port>; Chromium keeps Secure cookies on plain http
// only for potentially trustworthy origins, which loopback is. The "attacker" page is served
// from http://localhost:<another port>: another site altogether.

const ARTIFACTS = 'test-artifacts';
const ACCESS = '__Host-tessera-access';
const REFRESH = '__Host-tessera-refresh';
const CSRF = '__Host-tessera-csrf';

const harness = new ServerHarness();
const clock = new ManualClock();
let server: TestServer;
let origin: string;
let browser: Browser | undefined;
let attacker: Server | undefined;
let attackerOrigin: string;
const contexts: BrowserContext[] = [];

/** A port that is free now (the issuer must name the port before the server starts). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    probe.close(() => {
      resolve();
    });
  });
  return port;
}

/** The attacker's page: a form aimed at the account's "log out everywhere". */
function attackerPage(target: string): string {
  return `<!doctype html><html><body>
<form id="attack" method="post" action="${target}/account/logout-all">
  <input type="hidden" name="_csrf" value="guessed">
  <button id="go" type="submit">Win a prize</button>
</form>
</body></html>`;
}

async function newContext(): Promise<BrowserContext> {
  if (browser === undefined) throw new Error('Chromium did not start');
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  contexts.push(context);
  return context;
}

async function signIn(page: Page, username: string): Promise<void> {
  await page.goto(`${origin}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${origin}/account`);
}

async function sessionIdOf(context: BrowserContext): Promise<string> {
  const access = (await context.cookies(origin)).find((c) => c.name === ACCESS)?.value ?? '';
  const claims = JSON.parse(
    Buffer.from(access.split('.')[1] ?? '', 'base64url').toString('utf8'),
  ) as Record<string, unknown>;
  return String(claims['sid']);
}

async function isLive(sessionId: string): Promise<boolean> {
  const session = await server.server.context.store.findSession(sessionId);
  return session !== null && session.endedAt === null;
}

await describeWithChromium('browser mode in Chromium', () => {
  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    server = await harness.start({
      clock,
      flags: { port: String(port), issuer: origin, clockToleranceSeconds: '0' },
    });
    for (const name of ['alice', 'bob', 'carol', 'dave']) await addUser(server.server, name);
    const evil = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end(attackerPage(origin));
    });
    attacker = evil;
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    attackerOrigin = `http://localhost:${(evil.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS],
      timeout: 30_000,
    });
    await mkdir(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    const open = attacker;
    if (open !== undefined) {
      await new Promise<void>((resolve) => {
        open.close(() => {
          resolve();
        });
      });
    }
    await harness.cleanup();
  }, 30_000);

  it('logs in through the page; document.cookie and localStorage hold no token', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/login`);
    await page.screenshot({ path: `${ARTIFACTS}/login.png`, fullPage: true });
    await signIn(page, 'alice');
    await expect.poll(() => page.textContent('h2#who')).toContain('alice');

    // Chromium kept the Secure __Host- cookies on http://127.0.0.1 (a trustworthy origin).
    const cookies = await context.cookies(origin);
    const byName = new Map(cookies.map((c) => [c.name, c]));
    expect(byName.get(ACCESS)?.httpOnly).toBe(true);
    expect(byName.get(ACCESS)?.secure).toBe(true);
    expect(byName.get(REFRESH)?.httpOnly).toBe(true);
    expect(byName.get(REFRESH)?.sameSite).toBe('Strict');
    expect(byName.get(CSRF)?.httpOnly).toBe(false);

    // An expression, not a function: the test is compiled without the DOM's types.
    const visible = await page.evaluate<{ cookie: string; local: number; session: number }>(
      '({ cookie: document.cookie, local: localStorage.length, session: sessionStorage.length })',
    );
    expect(visible.cookie).not.toContain(byName.get(ACCESS)?.value ?? 'missing');
    expect(visible.cookie).not.toContain(byName.get(REFRESH)?.value ?? 'missing');
    expect(visible.cookie).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    expect(visible.cookie).toBe(`${CSRF}=${byName.get(CSRF)?.value ?? ''}`);
    expect(visible.local).toBe(0);
    expect(visible.session).toBe(0);
    expect(page.url()).toBe(`${origin}/account`);

    await page.screenshot({ path: `${ARTIFACTS}/account.png`, fullPage: true });
    await mkdir('docs/images', { recursive: true });
    await copyFile(`${ARTIFACTS}/account.png`, 'docs/images/account.png');
    // A phone-sized screen: no sideways scrolling.
    await page.setViewportSize({ width: 375, height: 812 });
    await page.reload();
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(375);
    await page.screenshot({ path: `${ARTIFACTS}/account-375.png`, fullPage: true });
  });

  it('keeps a page from another site from changing state (form POST and fetch)', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await signIn(page, 'bob');
    const sid = await sessionIdOf(context);

    const evil = await context.newPage();
    await evil.goto(attackerOrigin);
    const fetched = await evil.evaluate(async (target) => {
      const outcomes: string[] = [];
      for (const init of [
        { method: 'POST', credentials: 'include', mode: 'no-cors' },
        { method: 'POST', credentials: 'include', headers: { 'x-csrf-token': 'guessed' } },
      ] as RequestInit[]) {
        try {
          const response = await fetch(`${target}/auth/browser/logout`, init);
          outcomes.push(`${response.type}:${response.status}`);
        } catch {
          outcomes.push('blocked');
        }
      }
      return outcomes;
    }, origin);
    // The no-cors request went out but is opaque; the one with a header never passed CORS.
    expect(fetched).toEqual(['opaque:0', 'blocked']);
    expect(await isLive(sid)).toBe(true);

    const [response] = await Promise.all([
      evil.waitForResponse(`${origin}/account/logout-all`),
      evil.click('#go'),
    ]);
    expect(response.status()).not.toBe(303);
    expect(await isLive(sid)).toBe(true);
    await page.goto(`${origin}/account`);
    expect(page.url()).toBe(`${origin}/account`);
  });

  it('sends the first browser to /login once a second one ends its session', async () => {
    const first = await newContext();
    const firstPage = await first.newPage();
    await signIn(firstPage, 'carol');
    const second = await newContext();
    const secondPage = await second.newPage();
    await signIn(secondPage, 'carol');

    await secondPage.getByRole('button', { name: /^End this session/ }).click();
    await secondPage.waitForURL(`${origin}/account?done=ended`);
    await expect.poll(() => secondPage.textContent('[role="status"]')).toContain('has ended');

    await firstPage.goto(`${origin}/account`);
    expect(firstPage.url()).toBe(`${origin}/login`);
    expect((await first.cookies(origin)).map((c) => c.name)).toEqual([]);
  });

  it('keeps two tabs signed in when both refresh at once', async () => {
    const context = await newContext();
    const tab1 = await context.newPage();
    await signIn(tab1, 'dave');
    const tab2 = await context.newPage();
    await tab2.goto(`${origin}/account`);
    const sid = await sessionIdOf(context);
    const before = (await context.cookies(origin)).find((c) => c.name === ACCESS)?.value;

    // The access token expires for the server; the browser still sends the cookie.
    clock.advance(901_000);
    await Promise.all([tab1.reload(), tab2.reload()]);
    for (const tab of [tab1, tab2]) {
      expect(tab.url()).toBe(`${origin}/account`);
      expect(await tab.textContent('h2#who')).toContain('dave');
    }
    const after = (await context.cookies(origin)).find((c) => c.name === ACCESS)?.value;
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(await isLive(sid)).toBe(true);

    clock.advance(1000);
    await Promise.all([tab1.reload(), tab2.reload()]);
    expect(tab1.url()).toBe(`${origin}/account`);
    expect(tab2.url()).toBe(`${origin}/account`);
    expect(await isLive(sid)).toBe(true);
  });
});
