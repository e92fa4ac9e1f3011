// A minimal Server-Sent Events client for the tests of /revocations/stream.

/** One Server-Sent Event. */
export interface SseEvent {
  readonly id: string | null;
  readonly event: string;
  readonly data: string;
}

/**
 * A plain Server-Sent Events reader on fetch (no EventSource): `next` returns the next event
 * or fails after its timeout, so no test can hang on a quiet stream.
 */
export class SseStream {
  readonly response: Response;
  readonly #abort: AbortController;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  #done = false;

  private constructor(response: Response, abort: AbortController) {
    if (response.body === null) throw new TypeError('the response has no body');
    this.response = response;
    this.#abort = abort;
    this.#reader = response.body.getReader();
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
    const abort = new AbortController();
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: abort.signal,
    });
    return new SseStream(response, abort);
  }

  /** The next event that has data (comments and `retry:`-only blocks are skipped). */
  async next(timeoutMs = 5_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = this.#take();
      if (event !== null) return event;
      if (this.#done) throw new Error('the event stream ended');
      await this.#read(deadline);
    }
  }

  /** Wait until the server ends the stream; false when it is still open after the timeout. */
  async ended(timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    try {
      while (!this.#done) await this.#read(deadline);
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    this.#abort.abort();
  }

  async #read(deadline: number): Promise<void> {
    const read = this.#reader.read();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(
        () => {
          resolve('timeout');
        },
        Math.max(0, deadline - Date.now()),
      );
    });
    const result = await Promise.race([read, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      read.catch(() => undefined);
      this.close();
      throw new Error('timed out waiting for a server-sent event');
    }
    if (result.done) this.#done = true;
    else this.#buffer += this.#decoder.decode(result.value, { stream: true });
  }

  #take(): SseEvent | null {
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end < 0) return null;
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      let id: string | null = null;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') id = value;
        else if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) return { id, event, data: data.join('\n') };
    }
  }
}
