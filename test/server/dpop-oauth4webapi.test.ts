import { KeyObject } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeJwkThumbprint, exportPublicJwk } from '../../src/token/jwk.js';
import {
  addClient,
  addUser,
  PASSWORD,
  postJson,
  ServerHarness,
  stringField,
} from '../support/server-fixture.js';
import { createProof, findFreePort, type DpopKey } from './dpop-client.js';

// A third-party client, oauth4webapi (not our code), obtains DPoP-bound tokens from the server
// and uses them: if our reading of RFC 9449 differed from its author's, these tests would fail.

const harness = new ServerHarness();
afterAll(() => harness.cleanup());

/** The tests talk to http://127.0.0.1, which oauth4webapi refuses unless told. */
// The option is marked deprecated only so it stands out; plain HTTP to loopback is the point here.
// eslint-disable-next-line @typescript-eslint/no-deprecated
const insecure = { [oauth.allowInsecureRequests]: true } as const;

interface Started {
  readonly issuer: URL;
  readonly as: oauth.AuthorizationServer;
  readonly secret: string;
}

async function start(flags: Record<string, string> = {}): Promise<Started> {
  const port = await findFreePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { server } = await harness.start({
    flags: { port: String(port), issuer, audience: issuer, ...flags },
  });
  await addUser(server, 'alice');
  const secret = (await addClient(server, 'reporting', { scopes: ['read'] })) ?? '';
  const issuerUrl = new URL(issuer);
  const as = await oauth.processDiscoveryResponse(
    issuerUrl,
    await oauth.discoveryRequest(issuerUrl, { algorithm: 'oauth2', ...insecure }),
  );
  return { issuer: issuerUrl, as, secret };
}

/** An ES256 key pair in WebCrypto form for oauth4webapi, and the same key for our own proofs. */
/** A WebCrypto key pair, as oauth4webapi makes and takes them. */
type KeyPair = Awaited<ReturnType<typeof oauth.generateKeyPair>>;

async function keyPair(): Promise<{ pair: KeyPair; key: DpopKey }> {
  const pair = await oauth.generateKeyPair('ES256', { extractable: true });
  const publicJwk = exportPublicJwk(KeyObject.from(pair.publicKey));
  return {
    pair,
    key: {
      alg: 'ES256',
      privateKey: KeyObject.from(pair.privateKey),
      publicJwk,
      jkt: computeJwkThumbprint(publicJwk),
    },
  };
}

const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;

/** What `/auth/sessions` answered oauth4webapi: the status, and the challenges of an error. */
interface Outcome {
  readonly status: number;
  readonly challenges: readonly oauth.WWWAuthenticateChallenge[];
  readonly response: Response | null;
}

/** Call `/auth/sessions` through oauth4webapi with a DPoP handle. */
async function callSessions(
  server: Started,
  token: string,
  dpop: oauth.DPoPHandle,
): Promise<Outcome> {
  try {
    const response = await oauth.protectedResourceRequest(
      token,
      'GET',
      new URL('/auth/sessions', server.issuer),
      undefined,
      undefined,
      { DPoP: dpop, ...insecure },
    );
    return { status: response.status, challenges: [], response };
  } catch (error) {
    // oauth4webapi turns an answer with a WWW-Authenticate challenge into this error.
    if (!(error instanceof oauth.WWWAuthenticateChallengeError)) throw error;
    return { status: error.status, challenges: error.cause, response: null };
  }
}

describe('oauth4webapi against the server', () => {
  let server: Started;
  beforeAll(async () => {
    server = await start();
    expect(server.as.dpop_signing_alg_values_supported).toContain('ES256');
  });

  it('gets a DPoP-bound token with client_credentials and uses it with DPoP', async () => {
    const client: oauth.Client = { client_id: 'reporting' };
    const { pair, key } = await keyPair();
    const dpop = oauth.DPoP(client, pair);
    const response = await oauth.clientCredentialsGrantRequest(
      server.as,
      client,
      oauth.ClientSecretBasic(server.secret),
      { scope: 'read' },
      { DPoP: dpop, ...insecure },
    );
    const tokens = await oauth.processClientCredentialsResponse(server.as, client, response);
    expect(tokens.token_type).toBe('dpop');
    expect(claimsOf(tokens.access_token)['cnf']).toEqual({ jkt: key.jkt });
    // Introspection through oauth4webapi reports the binding.
    const introspection = await oauth.processIntrospectionResponse(
      server.as,
      client,
      await oauth.introspectionRequest(
        server.as,
        client,
        oauth.ClientSecretBasic(server.secret),
        tokens.access_token,
        insecure,
      ),
    );
    expect(introspection).toMatchObject({ active: true, cnf: { jkt: key.jkt } });
    // A service token has no session: DPoP authentication passes, then the route says 403.
    const sessions = await callSessions(server, tokens.access_token, dpop);
    expect(sessions.status).toBe(403);
    expect(sessions.challenges[0]?.parameters.error).toBe('insufficient_scope');
  });

  it('refreshes a bound refresh token with its key and calls /auth/sessions with DPoP', async () => {
    const { pair, key } = await keyPair();
    // Login is Tessera's own JSON endpoint, which oauth4webapi does not speak: our proof, same key.
    const login = await postJson(
      new URL('/auth/login', server.issuer).href,
      { username: 'alice', password: PASSWORD },
      {
        dpop: createProof(key, { method: 'POST', url: new URL('/auth/login', server.issuer).href }),
      },
    );
    expect(login.body['token_type']).toBe('DPoP');
    const client: oauth.Client = { client_id: 'tessera' };
    const dpop = oauth.DPoP(client, pair);
    const response = await oauth.refreshTokenGrantRequest(
      server.as,
      client,
      oauth.None(),
      stringField(login.body, 'refresh_token'),
      { DPoP: dpop, ...insecure },
    );
    const tokens = await oauth.processRefreshTokenResponse(server.as, client, response);
    expect(tokens.token_type).toBe('dpop');
    expect(claimsOf(tokens.access_token)['cnf']).toEqual({ jkt: key.jkt });
    const sessions = await callSessions(server, tokens.access_token, dpop);
    expect(sessions.status).toBe(200);
    const body = (await sessions.response?.json()) as { sessions: { current: boolean }[] };
    expect(body.sessions.some((session) => session.current)).toBe(true);

    // The refreshed token, stolen without the key, gets 401: as Bearer, and with the thief's key.
    const asBearer = await fetch(new URL('/auth/sessions', server.issuer), {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP .*error="invalid_token"/);
    const thief = oauth.DPoP(client, (await keyPair()).pair);
    const stolen = await callSessions(server, tokens.access_token, thief);
    expect(stolen.status).toBe(401);
    expect(stolen.challenges[0]).toMatchObject({
      scheme: 'dpop',
      parameters: { error: 'invalid_dpop_proof' },
    });
    // And so does the bound refresh token refreshed with the thief's key.
    const stolenRefresh = await oauth.refreshTokenGrantRequest(
      server.as,
      client,
      oauth.None(),
      tokens.refresh_token ?? '',
      { DPoP: thief, ...insecure },
    );
    await expect(
      oauth.processRefreshTokenResponse(server.as, client, stolenRefresh),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});

describe('oauth4webapi against a server that requires nonces', () => {
  it('retries with the nonce the server provides, at the token endpoint and the resource', async () => {
    const server = await start({ dpopNonce: 'true' });
    const client: oauth.Client = { client_id: 'reporting' };
    const dpop = oauth.DPoP(client, (await keyPair()).pair);
    const grant = () =>
      oauth.clientCredentialsGrantRequest(
        server.as,
        client,
        oauth.ClientSecretBasic(server.secret),
        {},
        { DPoP: dpop, ...insecure },
      );
    const first = oauth.processClientCredentialsResponse(server.as, client, await grant());
    const error = await first.then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(oauth.isDPoPNonceError(error)).toBe(true);
    // The handle kept the nonce from the error answer; the retry carries it.
    const tokens = await oauth.processClientCredentialsResponse(server.as, client, await grant());
    expect(tokens.token_type).toBe('dpop');
    // Same nonce at the resource: a 403 (no session) shows DPoP authentication passed.
    expect((await callSessions(server, tokens.access_token, dpop)).status).toBe(403);
  });
});
