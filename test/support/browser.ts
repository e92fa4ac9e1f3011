import { access, constants } from 'node:fs/promises';
import { describe } from 'vitest';
import { REQUIRE_SERVICES } from './services.js';

// Helpers of the browser-mode tests: cookies as a plain HTTP client sees them (test/server/
// browser-*.test.ts) and Debian's Chromium driven by playwright-core (test/browser).

/** Where scripts/install-test-servers.sh puts Chromium (Debian's `chromium` package). */
export const CHROMIUM_PATH = process.env['TESSERA_TEST_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * Flags Chromium needs on the test machines: headless as root without a sandbox, and no
 * background connections (the network is closed; they would fail and slow every start).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Null when Chromium can be run, else why not. */
async function chromiumProblem(): Promise<string | null> {
  try {
    await access(CHROMIUM_PATH, constants.X_OK);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * `describe` for tests that drive Chromium, like `describeWithService`: where Chromium is
 * missing the tests are skipped with a loud message, unless `TESSERA_REQUIRE_SERVICES=1`, where
 * the file fails.
 */
export async function describeWithChromium(name: string, body: () => void): Promise<void> {
  const problem = await chromiumProblem();
  if (problem === null) {
    describe(name, body);
    return;
  }
  const message = `Chromium at ${CHROMIUM_PATH} is unavailable (${problem})`;
  const hint = 'Install it with scripts/install-test-servers.sh.';
  if (REQUIRE_SERVICES)
    throw new Error(`${message}, and TESSERA_REQUIRE_SERVICES=1 requires it. ${hint}`);
  console.warn(`\n!!! SKIPPED "${name}": ${message}. ${hint}\n`);
  describe.skip(name, body);
}

/** One `Set-Cookie` header, parsed: name, value and attributes (names lower-cased). */
export interface SetCookie {
  readonly name: string;
  readonly value: string;
  readonly attributes: ReadonlyMap<string, string | true>;
  readonly raw: string;
}

/** Parse the `Set-Cookie` headers of a response. */
export function setCookies(headers: Headers): SetCookie[] {
  return headers.getSetCookie().map((raw) => {
    const [pair = '', ...rest] = raw.split(';');
    const at = pair.indexOf('=');
    const attributes = new Map<string, string | true>();
    for (const part of rest) {
      const eq = part.indexOf('=');
      if (eq === -1) attributes.set(part.trim().toLowerCase(), true);
      else attributes.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
    }
    return { name: pair.slice(0, at).trim(), value: pair.slice(at + 1).trim(), attributes, raw };
  });
}

/**
 * A cookie jar for a plain HTTP client: keeps what `Set-Cookie` sets (Max-Age=0 removes) and
 * writes the `Cookie` header, as a browser would for one origin.
 */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Take the cookies a response sets. */
  take(headers: Headers): void {
    for (const cookie of setCookies(headers)) {
      if (cookie.attributes.get('max-age') === '0') this.#cookies.delete(cookie.name);
      else this.#cookies.set(cookie.name, cookie.value);
    }
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  set(name: string, value: string): void {
    this.#cookies.set(name, value);
  }

  delete(name: string): void {
    this.#cookies.delete(name);
  }

  /** The `Cookie` header value. */
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** A copy (a second tab of the same browser, or a stolen set of cookies). */
  clone(): CookieJar {
    const copy = new CookieJar();
    for (const [name, value] of this.#cookies) copy.set(name, value);
    return copy;
  }
}

/** The claims of a JWT, read without verifying (tests only). */
export function readClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}
