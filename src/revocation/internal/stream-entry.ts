import { isRevocationKind, type LoggedRevocationEvent } from '../revocation-event.js';

// How a revocation event sits in a Redis stream entry, and how Redis stream replies are read.
// Replies are checked field by field: they come over the network, and a malformed one must
// be refused, not half-applied.

/** A stream entry: its stream id (`<ms>-<seq>`) and its flat field list. */
export type StreamEntry = readonly [id: string, fields: readonly string[]];

/** The fields of the entry for `event`: the log id and the event itself. */
export function encodeStreamEntry(event: LoggedRevocationEvent): string[] {
  return [
    'id',
    String(event.id),
    'kind',
    event.kind,
    'value',
    event.value,
    'at',
    String(event.at),
    'expires_at',
    String(event.expiresAt),
  ];
}

/** The event an entry carries, or null when its fields do not make a valid one. */
export function decodeStreamEntry(fields: readonly string[]): LoggedRevocationEvent | null {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] ?? '', fields[i + 1] ?? '');
  const id = Number(map.get('id'));
  const kind = map.get('kind');
  const value = map.get('value');
  const at = Number(map.get('at'));
  const expiresAt = Number(map.get('expires_at'));
  if (!Number.isSafeInteger(id) || id < 1) return null;
  if (!isRevocationKind(kind) || value === undefined || value === '') return null;
  if (!Number.isFinite(at) || !Number.isFinite(expiresAt)) return null;
  return { id, kind, value, at, expiresAt };
}

const STREAM_ID = /^(\d{1,20})-(\d{1,20})$/;

/** True for a stream id such as `1700000000000-0`. */
export function isStreamId(value: unknown): value is string {
  return typeof value === 'string' && STREAM_ID.test(value);
}

/** Negative, zero or positive as stream id `a` is before, equal to or after `b`. */
export function compareStreamIds(a: string, b: string): number {
  const [, aMs = '0', aSeq = '0'] = STREAM_ID.exec(a) ?? [];
  const [, bMs = '0', bSeq = '0'] = STREAM_ID.exec(b) ?? [];
  const ms = BigInt(aMs) - BigInt(bMs);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(aSeq) - BigInt(bSeq);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

/** Entries of an `XRANGE`/`XREVRANGE` reply. @throws TypeError for any other shape. */
export function parseEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) throw new TypeError('stream reply is not a list of entries');
  return reply.map((item: unknown) => {
    if (!Array.isArray(item) || item.length !== 2) throw new TypeError('malformed stream entry');
    const [id, fields] = item as [unknown, unknown];
    if (!isStreamId(id)) throw new TypeError('malformed stream entry id');
    if (!Array.isArray(fields) || !fields.every((f): f is string => typeof f === 'string')) {
      throw new TypeError('malformed stream entry fields');
    }
    return [id, fields] as const;
  });
}

/**
 * Entries of an `XREAD` reply on one stream: none for a timed-out read (null). Takes both
 * shapes: RESP2's `[[key, entries]]` and the flat `[key, entries]` of a RESP3 map.
 *
 * @throws TypeError for any other shape.
 */
export function parseXreadReply(reply: unknown): StreamEntry[] {
  if (reply === null) return [];
  if (!Array.isArray(reply)) throw new TypeError('XREAD reply is not a list of streams');
  const items = reply as unknown[];
  if (items.length === 0) return [];
  if (typeof items[0] === 'string' && items.length === 2) return parseEntries(items[1]);
  const [stream] = items;
  if (!Array.isArray(stream) || stream.length !== 2) throw new TypeError('malformed XREAD reply');
  return parseEntries((stream as unknown[])[1]);
}
