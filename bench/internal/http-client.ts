/** The first-party client every login and refresh of the benchmark uses. */
export const CLIENT_ID = 'tessera';

/** Tokens a login or refresh answered with. */
export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
}

/** Log in over HTTP; throws unless the server answers 200 with both tokens. */
export async function logIn(
  baseUrl: string,
  username: string,
  password: string,
): Promise<TokenPair> {
  const response = await fetch(`${baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password, client_id: CLIENT_ID }),
  });
  const pair = response.status === 200 ? readTokenPair(await response.text()) : null;
  if (pair === null) throw new Error(`login answered ${response.status}`);
  return pair;
}

/** Refresh once over HTTP: the status, and the new refresh token when it is 200. */
export async function refreshOnce(
  baseUrl: string,
  refreshToken: string,
): Promise<{ readonly status: number; readonly refreshToken: string | null }> {
  const response = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: refreshForm(refreshToken),
  });
  const body = await response.text();
  return { status: response.status, refreshToken: readTokenPair(body)?.refreshToken ?? null };
}

/** The token-endpoint body of a refresh (RFC 6749 §6) by the public first-party client. */
export function refreshForm(refreshToken: string): string {
  return new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: CLIENT_ID,
    refresh_token: refreshToken,
  }).toString();
}

/** Both tokens from a JSON token response, or null when either is missing. */
export function readTokenPair(body: string): TokenPair | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { access_token: accessToken, refresh_token: refreshToken } = parsed as Record<
    string,
    unknown
  >;
  return typeof accessToken === 'string' && typeof refreshToken === 'string'
    ? { accessToken, refreshToken }
    : null;
}

/** `run(item)` for every item, at most `limit` at a time; results in item order. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
