import { VerifierError, type VerifierErrorCode } from '../verifier-error.js';

/** Limits of one {@link fetchJson} call. */
export interface FetchLimits {
  /** The whole request, headers and body, must finish within this. */
  readonly timeoutMs: number;
  /** A body longer than this is cut off and refused. */
  readonly maxBytes: number;
  /** The code of the VerifierError thrown on any failure. */
  readonly errorCode: VerifierErrorCode;
  /** Aborts the request early (the verifier is closing). */
  readonly signal?: AbortSignal | undefined;
}

/** A JSON response: its parsed body and headers. */
export interface JsonReply {
  readonly body: unknown;
  readonly headers: Headers;
}

/**
 * GET `url` and parse its JSON body, within a time and a size limit. Redirects are refused:
 * a verifier reads keys and revocations only from the addresses it was configured with.
 *
 * @throws VerifierError with `limits.errorCode` for a network failure, a timeout, a status
 *   other than 200, a body that is too large or not JSON.
 */
export async function fetchJson(url: string, limits: FetchLimits): Promise<JsonReply> {
  const fail = (message: string, cause?: unknown): VerifierError =>
    new VerifierError(
      limits.errorCode,
      `${message} (${url})`,
      undefined,
      cause === undefined ? undefined : { cause },
    );
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = limits.signal === undefined ? timeout : AbortSignal.any([timeout, limits.signal]);
  try {
    const response = await fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal,
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw fail(`answered ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > limits.maxBytes) {
      await response.body?.cancel();
      throw fail(`response larger than ${limits.maxBytes} bytes`);
    }
    const text = await readLimited(response, limits.maxBytes, signal, fail);
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch (error) {
      throw fail('response is not JSON', error);
    }
    return { body, headers: response.headers };
  } catch (error) {
    if (error instanceof VerifierError) throw error;
    if (timeout.aborted) throw fail(`no complete answer within ${limits.timeoutMs} ms`, error);
    throw fail('request failed', error);
  }
}

/** The body as text, reading no more than `maxBytes` of it. */
async function readLimited(
  response: Response,
  maxBytes: number,
  signal: AbortSignal,
  fail: (message: string) => VerifierError,
): Promise<string> {
  if (response.body === null) return '';
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  // An abort (timeout, close) must end a pending read even when undici leaves it pending.
  const cancel = (): void => {
    reader.cancel().catch(() => undefined);
  };
  signal.addEventListener('abort', cancel, { once: true });
  try {
    return await readAll(reader, maxBytes, signal, fail);
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

async function readAll(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  maxBytes: number,
  signal: AbortSignal,
  fail: (message: string) => VerifierError,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      if (signal.aborted) throw signal.reason;
      break;
    }
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw fail(`response larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}
