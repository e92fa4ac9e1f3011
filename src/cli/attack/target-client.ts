import type { TargetAnswer } from './attack-types.js';

/** A JWKS larger than this is refused: the run stays bounded. */
const MAX_JWKS_BYTES = 1024 * 1024;

/** How the target is reached. */
export interface TargetClientOptions {
  readonly url: string;
  readonly method: string;
  /** Extra request headers (`--header`), never `Authorization`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

/**
 * Sends one request per token to the target URL and reports only the status and the Bearer
 * challenge's error: bodies are discarded unread. Redirects are not followed, so no host
 * other than the target is contacted.
 *
 * @example
 * const client = new TargetClient({ url, method: 'GET', headers: {}, timeoutMs: 5000 });
 * const answer = await client.send(token);
 */
export class TargetClient {
  readonly #options: TargetClientOptions;

  constructor(options: TargetClientOptions) {
    this.#options = options;
  }

  /** Present `token` as a Bearer token (RFC 6750 §2.1); `null` sends no Authorization. */
  async send(token: string | null): Promise<TargetAnswer> {
    const headers: Record<string, string> = { ...this.#options.headers };
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    try {
      const response = await fetch(this.#options.url, {
        method: this.#options.method,
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      await response.body?.cancel();
      const error = bearerError(response.headers.get('www-authenticate'));
      return {
        kind: 'status',
        status: response.status,
        ...(error === null ? {} : { error }),
      };
    } catch (error) {
      return { kind: 'no-answer', reason: describeFailure(error, this.#options.timeoutMs) };
    }
  }

  /**
   * GET a JSON document (the `--jwks` URL) with the same timeout.
   *
   * @throws Error when it cannot be fetched, is too large or is not JSON.
   */
  async fetchJson(url: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(url, {
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
    } catch (error) {
      throw new Error(`cannot fetch ${url}: ${describeFailure(error, this.#options.timeoutMs)}`);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`${url} answered ${response.status}`);
    }
    const text = await readBounded(response, url, this.#options.timeoutMs);
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${url} is not JSON`);
    }
  }
}

/**
 * The body as text, refused as soon as it is known to pass {@link MAX_JWKS_BYTES}: from its
 * declared length before reading anything, or while reading one without a length (chunked),
 * so a huge or endless answer costs at most a little over 1 MiB.
 */
async function readBounded(response: Response, url: string, timeoutMs: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > MAX_JWKS_BYTES) {
    await response.body?.cancel();
    throw new Error(`${url} is larger than 1 MiB`);
  }
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_JWKS_BYTES) break;
      chunks.push(value);
    }
  } catch (error) {
    throw new Error(`cannot fetch ${url}: ${describeFailure(error, timeoutMs)}`);
  }
  if (size > MAX_JWKS_BYTES) {
    await reader.cancel();
    throw new Error(`${url} is larger than 1 MiB`);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The `error` parameter of a Bearer challenge, cut short and limited to safe characters. */
function bearerError(challenge: string | null): string | null {
  const match = challenge === null ? null : /\berror="([^"]*)"/i.exec(challenge);
  return match?.[1] === undefined ? null : match[1].replace(/[^\x20-\x7e]/g, '?').slice(0, 40);
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return `network error ${cause.code}`;
  if (cause instanceof Error) return `network error: ${cause.message.slice(0, 80)}`;
  return error instanceof Error ? error.message.slice(0, 80) : 'network error';
}
