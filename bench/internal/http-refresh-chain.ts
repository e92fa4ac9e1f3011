import type autocannon from 'autocannon';
import { readTokenPair, refreshForm } from './http-client.js';
import { runLoad, type LoadResult } from './http-load.js';

/** One session's refresh-token chain: the token to present next. */
interface Link {
  token: string;
  /**
   * `idle`: its token is live. `lost`: a request was sent but its answer never read (the run
   * stopped, or autocannon reconnected), so whether the server rotated it is unknown.
   * `dead`: the server refused it.
   */
  state: 'idle' | 'in-flight' | 'lost' | 'dead';
}

/** One autocannon connection's sessions, used in turn, one request at a time. */
interface Lane {
  readonly links: Link[];
  cursor: number;
  inFlight: Link | null;
}

/** What the chained refreshes saw. */
export interface ChainStats {
  /** 200 answers carrying a refresh token never seen before. */
  readonly rotated: number;
  /**
   * 200 answers carrying a refresh token that was already handed out: the grace window
   * answering a spent token, so the chain was broken even though the status was 200.
   */
  readonly reissued: number;
  /** 200 answers without a refresh token. */
  readonly malformed: number;
  /** Answers other than 200: sessions refused, reuse detection among them. */
  readonly refused: number;
  /** Sessions whose last request was never answered (see {@link Link.state}). */
  readonly lost: number;
}

/**
 * Refresh-token rotation under load without ever presenting a spent token: each autocannon
 * connection owns a pool of sessions and sends one request at a time (no pipelining), so
 * `setupRequest` can take a session's current token and `onResponse` can store its successor
 * before the same session is used again.
 */
export class RefreshChains {
  readonly #lanes: Lane[];
  readonly #issued = new Set<string>();
  #assigned = 0;
  #rotated = 0;
  #reissued = 0;
  #malformed = 0;
  #refused = 0;

  /** Split `refreshTokens` (one per session, each live) into `connections` pools. */
  constructor(refreshTokens: readonly string[], connections: number) {
    if (refreshTokens.length < connections)
      throw new TypeError('every connection needs at least one session');
    this.#lanes = Array.from({ length: connections }, () => ({
      links: [],
      cursor: 0,
      inFlight: null,
    }));
    refreshTokens.forEach((token, i) => {
      this.#lanes[i % connections]?.links.push({ token, state: 'idle' });
      this.#issued.add(token);
    });
  }

  /** autocannon's `setupClient`: give the connection its own pool and request hooks. */
  readonly setupClient = (client: autocannon.Client): void => {
    const lane = this.#lanes[this.#assigned++];
    if (lane === undefined) throw new Error('more connections than session pools');
    client.setRequests([
      {
        method: 'POST',
        path: '/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        setupRequest: (request) => ({ ...request, body: this.#take(lane) }),
        onResponse: (status, body) => {
          this.#settle(lane, status, body);
        },
      },
    ]);
  };

  /** Stop tracking: a request still out when the run stopped leaves its session lost. */
  finish(): ChainStats {
    let lost = 0;
    for (const lane of this.#lanes) {
      if (lane.inFlight !== null) lane.inFlight.state = 'lost';
      lane.inFlight = null;
      lost += lane.links.filter((link) => link.state === 'lost').length;
    }
    return {
      rotated: this.#rotated,
      reissued: this.#reissued,
      malformed: this.#malformed,
      refused: this.#refused,
      lost,
    };
  }

  /** The current token of every session still known to be live. */
  liveTokens(): string[] {
    return this.#lanes.flatMap((lane) =>
      lane.links.filter((link) => link.state === 'idle').map((link) => link.token),
    );
  }

  /** The body of the connection's next request, from its next live session. */
  #take(lane: Lane): string {
    // A request built while another is unanswered means the connection dropped that one.
    if (lane.inFlight !== null) lane.inFlight.state = 'lost';
    lane.inFlight = null;
    const count = lane.links.length;
    for (let step = 0; step < count; step++) {
      const link = lane.links[(lane.cursor + step) % count];
      if (link?.state !== 'idle') continue;
      lane.cursor = (lane.cursor + step + 1) % count;
      link.state = 'in-flight';
      lane.inFlight = link;
      return refreshForm(link.token);
    }
    // Every session of this pool failed; the server's refusal is counted like any other.
    return refreshForm('exhausted');
  }

  #settle(lane: Lane, status: number, body: string): void {
    const link = lane.inFlight;
    lane.inFlight = null;
    if (status !== 200) {
      this.#refused++;
      if (link !== null) link.state = 'dead';
      return;
    }
    const token = readTokenPair(body)?.refreshToken;
    if (link === null) return;
    if (token === undefined) {
      this.#malformed++;
      link.state = 'dead';
      return;
    }
    if (this.#issued.has(token)) this.#reissued++;
    else this.#rotated++;
    this.#issued.add(token);
    link.token = token;
    link.state = 'idle';
  }
}

/** What {@link runRefreshLoad} measured, and the tokens still live after it. */
export interface RefreshLoad {
  readonly result: LoadResult;
  readonly stats: ChainStats;
  readonly liveTokens: string[];
}

/** One chained refresh run on `url` over `tokens` (one live token per session), `connections` at a time. */
export async function runRefreshLoad(
  url: string,
  tokens: readonly string[],
  seconds: number,
  connections: number,
): Promise<RefreshLoad> {
  const chains = new RefreshChains(tokens, connections);
  const result = await runLoad({ url, connections, seconds, setupClient: chains.setupClient });
  return { result, stats: chains.finish(), liveTokens: chains.liveTokens() };
}
