import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseParser, type ServerSentEvent } from './sse-parser.js';

// The feed's wire format (HTML §9.2.6), as the server writes it and as proxies may reframe it.

function parse(chunks: readonly string[], maxBytes = 65_536) {
  const events: ServerSentEvent[] = [];
  let comments = 0;
  const retries: number[] = [];
  const parser = new SseParser(
    {
      onEvent: (event) => events.push(event),
      onComment: () => {
        comments++;
      },
      onRetry: (ms) => retries.push(ms),
    },
    maxBytes,
  );
  for (const chunk of chunks) parser.push(chunk);
  return { events, comments, retries };
}

const FEED =
  'retry: 1000\n\n' +
  'id: 1\nevent: revocation\ndata: {"id":1}\n\n' +
  ': heartbeat\n\n' +
  'id: 2\r\nevent: revocation\r\ndata:{"id":2}\r\n\r\n' +
  'event: ready\rdata: {"cursor":2}\r\r' +
  'data: a\ndata: b\n\n' +
  'event: empty\n\n';

const EXPECTED: ServerSentEvent[] = [
  { event: 'revocation', data: '{"id":1}', lastEventId: '1' },
  { event: 'revocation', data: '{"id":2}', lastEventId: '2' },
  { event: 'ready', data: '{"cursor":2}', lastEventId: '2' },
  { event: 'message', data: 'a\nb', lastEventId: '2' },
];

describe('SseParser', () => {
  it('reads events, ids, comments and retry with LF, CRLF and CR line ends', () => {
    const { events, comments, retries } = parse([FEED]);
    expect(events).toEqual(EXPECTED);
    expect(comments).toBe(1);
    expect(retries).toEqual([1000]);
  });

  it('gives the same events however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: FEED.length - 1 }), { maxLength: 20 }),
        (cuts) => {
          const sorted = [...cuts].sort((a, b) => a - b);
          const chunks: string[] = [];
          let from = 0;
          for (const cut of sorted) {
            chunks.push(FEED.slice(from, cut));
            from = cut;
          }
          chunks.push(FEED.slice(from));
          expect(parse(chunks).events).toEqual(EXPECTED);
        },
      ),
    );
  });

  it('refuses a line or an event longer than the limit', () => {
    expect(() => parse(['data: ' + 'x'.repeat(200)], 100)).toThrow(RangeError);
    expect(() =>
      parse(['data: ' + 'x'.repeat(60) + '\n' + 'data: ' + 'y'.repeat(60) + '\n'], 100),
    ).toThrow(RangeError);
    expect(parse(['data: ' + 'x'.repeat(60) + '\n\n'], 100).events).toHaveLength(1);
  });
});
