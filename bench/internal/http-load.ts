import autocannon from 'autocannon';

/** One autocannon run against the bench server. */
export interface LoadOptions {
  /** Full URL, e.g. `http://127.0.0.1:40123/.well-known/jwks.json`. */
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Called once per connection before its first request, to give it its own requests. */
  readonly setupClient?: (client: autocannon.Client) => void;
}

/** What one run measured. */
export interface LoadResult {
  readonly seconds: number;
  readonly connections: number;
  /** Responses of any status. */
  readonly responses: number;
  /** Responses with status 200 per second of the run. */
  readonly okPerSecond: number;
  /** Latency percentiles of the 2xx responses; autocannon records whole milliseconds. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Responses whose status was not 200. */
  readonly notOk: number;
  /** Statuses other than 200 with their counts, e.g. `400×3`; empty when there were none. */
  readonly otherStatuses: string;
  /** Requests that got no response: connection errors and timeouts. */
  readonly requestErrors: number;
}

/** Run autocannon once, loopback only, for `seconds`, and summarise the result. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { hostname } = new URL(options.url);
  if (hostname !== '127.0.0.1') throw new TypeError('the load goes to 127.0.0.1 only');
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    // Long enough that a slow response is measured, not dropped as a timeout.
    timeout: 10,
    ...(options.method === undefined ? {} : { method: options.method }),
    ...(options.headers === undefined ? {} : { headers: { ...options.headers } }),
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.setupClient === undefined ? {} : { setupClient: options.setupClient }),
  });
  let ok = 0;
  let responses = 0;
  const others: string[] = [];
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) {
    const count = stats.count ?? 0;
    responses += count;
    if (status === '200') ok += count;
    else others.push(`${status}×${count}`);
  }
  return {
    seconds: result.duration,
    connections: options.connections,
    responses,
    okPerSecond: result.duration > 0 ? ok / result.duration : Number.NaN,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    notOk: responses - ok,
    otherStatuses: others.join(' '),
    requestErrors: result.errors,
  };
}
