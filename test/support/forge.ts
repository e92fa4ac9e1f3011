import { encodeBase64Url } from '../../src/token/base64url.js';
import { TokenError } from '../../src/token/errors.js';

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

/**
 * The TokenError that `run` throws. Fails the test when it throws nothing, and rethrows
 * anything else, so a foreign error never passes for a rejection.
 */
export function catchTokenError(run: () => unknown): TokenError {
  try {
    run();
  } catch (error) {
    if (error instanceof TokenError) return error;
    throw error;
  }
  throw new Error('expected a TokenError, but nothing was thrown');
}
