import { KeyObject } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeJwkThumbprint, exportPublicJwk } from '../../src/token/jwk.js';
import { createDpopKey, createProof, type DpopKey } from '../server/dpop-client.js';
import {
  clientToken,
  echoedHeaders,
  GatewayHarness,
  getJson,
  type GatewayStack,
} from './gateway-fixture.js';

// DPoP-bound tokens (RFC 9449) through the gateway: accepted with a fresh proof from the key
// the token is bound to, refused in every other form, and the whole flow driven end to end by
// a third-party client, oauth4webapi.

const harness = new GatewayHarness();
let stack: GatewayStack;

beforeAll(async () => {
  stack = await harness.start();
}, 60_000);
afterAll(() => harness.cleanup());

/** A client_credentials token bound to `key`. */
function boundToken(key: DpopKey): Promise<string> {
  return clientToken(
    stack,
    'orders:read',
    createProof(key, { method: 'POST', url: `${stack.issuer}/oauth/token` }),
  );
}

function dpopHeaders(key: DpopKey, token: string, path: string, method = 'GET') {
  return {
    authorization: `DPoP ${token}`,
    dpop: createProof(key, { method, url: `${stack.url}${path}`, accessToken: token }),
  };
}

describe('a DPoP-bound token', () => {
  it('is accepted with a proof from its key, and neither token nor proof reach the upstream', async () => {
    const key = createDpopKey('ES256');
    const token = await boundToken(key);
    const { status, body } = await getJson(
      `${stack.url}/orders?page=2`,
      dpopHeaders(key, token, '/orders'),
    );
    expect(status).toBe(200);
    const seen = echoedHeaders(body);
    expect(seen['x-tessera-client-id']).toBe('reporting');
    expect(seen['authorization']).toBeUndefined();
    expect(seen['dpop']).toBeUndefined();
  });

  it('is refused as a bearer token, with a DPoP challenge', async () => {
    const key = createDpopKey();
    const token = await boundToken(key);
    const { status, headers } = await getJson(`${stack.url}/orders`, {
      authorization: `Bearer ${token}`,
    });
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toMatch(/^DPoP algs="[^"]+", error="invalid_token"/);
  });

  it('is refused when the proof is replayed', async () => {
    const key = createDpopKey();
    const token = await boundToken(key);
    const headers = dpopHeaders(key, token, '/orders');
    expect((await getJson(`${stack.url}/orders`, headers)).status).toBe(200);
    const replay = await getJson(`${stack.url}/orders`, headers);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ error: 'invalid_dpop_proof' });
  });

  it('is refused with a proof from another key, for another URL, or without a proof', async () => {
    const key = createDpopKey();
    const token = await boundToken(key);
    const thief = createDpopKey();
    const stolen = await getJson(`${stack.url}/orders`, dpopHeaders(thief, token, '/orders'));
    expect(stolen.status).toBe(401);
    expect(stolen.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof"');
    // A proof made for another path of the same gateway.
    const elsewhere = await getJson(`${stack.url}/orders`, dpopHeaders(key, token, '/admin'));
    expect(elsewhere.status).toBe(401);
    const bare = await getJson(`${stack.url}/orders`, { authorization: `DPoP ${token}` });
    expect(bare.status).toBe(401);
    expect(bare.body['error']).toBe('invalid_dpop_proof');
  });

  it('is refused by a gateway with DPoP off, which cannot check its proof', async () => {
    const off = await harness.startGateway(stack, { disableDpop: true });
    const key = createDpopKey();
    const token = await boundToken(key);
    const { status } = await getJson(`${off.url}/orders`, {
      authorization: `DPoP ${token}`,
      dpop: createProof(key, { method: 'GET', url: `${off.url}/orders`, accessToken: token }),
    });
    expect(status).toBe(401);
  });

  it('refuses an unbound token sent with the DPoP scheme', async () => {
    const token = await clientToken(stack, 'orders:read');
    const key = createDpopKey();
    const { status, body } = await getJson(
      `${stack.url}/orders`,
      dpopHeaders(key, token, '/orders'),
    );
    expect(status).toBe(401);
    expect(body['error']).toBe('invalid_token');
  });
});

// The tests talk to http://127.0.0.1, which oauth4webapi refuses unless told.
// eslint-disable-next-line @typescript-eslint/no-deprecated
const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe('oauth4webapi through the gateway', () => {
  it('gets a bound token from the auth server and calls the API through the gateway; a thief gets 401', async () => {
    const issuer = new URL(stack.issuer);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
    const client: oauth.Client = { client_id: 'reporting' };
    const pair = await oauth.generateKeyPair('ES256', { extractable: true });
    const dpop = oauth.DPoP(client, pair);
    const tokens = await oauth.processClientCredentialsResponse(
      as,
      client,
      await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(stack.clientSecret),
        { scope: 'orders:read' },
        { DPoP: dpop, ...insecure },
      ),
    );
    expect(tokens.token_type).toBe('dpop');
    const jkt = computeJwkThumbprint(exportPublicJwk(KeyObject.from(pair.publicKey)));
    const claims = JSON.parse(
      Buffer.from(tokens.access_token.split('.')[1] ?? '', 'base64url').toString(),
    ) as Record<string, unknown>;
    expect(claims['cnf']).toEqual({ jkt });

    const api = new URL('/orders/42', stack.url);
    const response = await oauth.protectedResourceRequest(
      tokens.access_token,
      'GET',
      api,
      undefined,
      undefined,
      { DPoP: dpop, ...insecure },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(echoedHeaders(body)).toMatchObject({
      'x-tessera-sub': 'reporting',
      'x-tessera-client-id': 'reporting',
      'x-tessera-scope': 'orders:read',
    });

    // The same token stolen without the key: with the thief's own key, and as a bearer token.
    const thief = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const stolen = await oauth
      .protectedResourceRequest(tokens.access_token, 'GET', api, undefined, undefined, {
        DPoP: thief,
        ...insecure,
      })
      .then(
        (answer) => ({ status: answer.status, challenges: [] as oauth.WWWAuthenticateChallenge[] }),
        (error: unknown) => {
          if (!(error instanceof oauth.WWWAuthenticateChallengeError)) throw error;
          return { status: error.status, challenges: error.cause };
        },
      );
    expect(stolen.status).toBe(401);
    expect(stolen.challenges[0]).toMatchObject({
      scheme: 'dpop',
      parameters: { error: 'invalid_dpop_proof' },
    });
    const asBearer = await fetch(api, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(asBearer.status).toBe(401);
  });
});
