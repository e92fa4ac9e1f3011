import { encodeBase64Url } from '../../src/token/base64url.js';

/** Something that produces raw signature bytes over a signing input. */
export type RawSigner = (signingInput: Buffer) => Buffer;

/**
 * Build a compact JWS from any header and payload, the way an attacker would: nothing is
 * checked, so tests can craft exactly the token a rule must refuse.
 */
export function forgeJws(
  header: unknown,
  payload: unknown,
  sign: RawSigner | null,
  options: { readonly rawPayload?: string } = {},
): string {
  const headerSegment = encodeBase64Url(JSON.stringify(header));
  const payloadSegment = encodeBase64Url(options.rawPayload ?? JSON.stringify(payload));
  const signingInput = `${headerSegment}.${payloadSegment}`;
  const signature = sign === null ? '' : encodeBase64Url(sign(Buffer.from(signingInput, 'latin1')));
  return `${signingInput}.${signature}`;
}

/** A fixed clock for tests; `advance` moves it forward. */
export class TestClock {
  #now: number;
  constructor(start: number) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
  set(ms: number): void {
    this.#now = ms;
  }
}

/** Run `fn` and return the `code` of the error it throws; fails the test when it does not throw. */
export function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error && 'code' in error && typeof error.code === 'string')
      return error.code;
    throw new Error(`threw something without a code: ${String(error)}`, { cause: error });
  }
  throw new Error('expected a throw, but the call succeeded');
}
