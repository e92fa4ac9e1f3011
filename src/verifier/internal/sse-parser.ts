/** One Server-Sent Event, as dispatched (HTML Living Standard §9.2.6). */
export interface ServerSentEvent {
  /** The event type; `message` when the stream names none. */
  readonly event: string;
  readonly data: string;
  /** The last event ID the stream set, `''` when none. */
  readonly lastEventId: string;
}

/** What {@link SseParser} reports besides events. */
export interface SseHandlers {
  readonly onEvent: (event: ServerSentEvent) => void;
  /** A comment line (`: heartbeat`): proof the stream is alive. */
  readonly onComment?: (() => void) | undefined;
  /** A `retry:` field: the reconnection time the server asks for, in ms. */
  readonly onRetry?: ((ms: number) => void) | undefined;
}

/**
 * Parses a `text/event-stream` body fed in chunks of text, per HTML §9.2.6: lines end in CRLF,
 * LF or CR; a blank line dispatches the event; `data` lines join with LF; unknown fields are
 * ignored. A line or an event longer than `maxBytes` characters throws a RangeError, so a
 * broken or hostile server cannot make the reader buffer without bound.
 */
export class SseParser {
  readonly #handlers: SseHandlers;
  readonly #maxBytes: number;
  #buffer = '';
  /** The previous chunk ended in CR: a LF at the start of the next one belongs to it. */
  #afterCr = false;
  #data: string[] = [];
  #dataLength = 0;
  #event = '';
  #lastEventId = '';

  constructor(handlers: SseHandlers, maxBytes: number) {
    this.#handlers = handlers;
    this.#maxBytes = maxBytes;
  }

  /** @throws RangeError when a line or event exceeds the size limit. */
  push(chunk: string): void {
    let text = chunk;
    if (this.#afterCr && text.startsWith('\n')) text = text.slice(1);
    this.#afterCr = false;
    this.#buffer += text;
    let start = 0;
    for (;;) {
      const end = nextLineEnd(this.#buffer, start);
      if (end < 0) break;
      const line = this.#buffer.slice(start, end);
      const isCr = this.#buffer.charCodeAt(end) === 13;
      if (isCr && end + 1 === this.#buffer.length) {
        this.#afterCr = true;
        start = end + 1;
      } else {
        start = end + (isCr && this.#buffer.charCodeAt(end + 1) === 10 ? 2 : 1);
      }
      this.#line(line);
    }
    this.#buffer = this.#buffer.slice(start);
    if (this.#buffer.length > this.#maxBytes) {
      throw new RangeError(`a server-sent event line is longer than ${this.#maxBytes} characters`);
    }
  }

  #line(line: string): void {
    if (line === '') {
      this.#dispatch();
      return;
    }
    if (line.startsWith(':')) {
      this.#handlers.onComment?.();
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.#dataLength += value.length + 1;
        if (this.#dataLength > this.#maxBytes) {
          throw new RangeError(`a server-sent event is longer than ${this.#maxBytes} characters`);
        }
        this.#data.push(value);
        break;
      case 'event':
        this.#event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastEventId = value;
        break;
      case 'retry':
        if (/^[0-9]{1,9}$/.test(value)) this.#handlers.onRetry?.(Number(value));
        break;
      default:
        break;
    }
  }

  #dispatch(): void {
    const data = this.#data;
    const event = this.#event;
    this.#data = [];
    this.#dataLength = 0;
    this.#event = '';
    if (data.length === 0) return;
    this.#handlers.onEvent({
      event: event === '' ? 'message' : event,
      data: data.join('\n'),
      lastEventId: this.#lastEventId,
    });
  }
}

/** Index of the next CR or LF at or after `from`, or -1. */
function nextLineEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 10 || code === 13) return i;
  }
  return -1;
}
