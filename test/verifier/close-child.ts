// Run by close.test.ts in a child process: build a verifier against the server at argv[2]
// (feed mode, or Redis mode with argv[3] and argv[4] as URL and prefix), wait until it is
// ready, close it, and report how long the process lived after the close. Nothing else here
// holds the event loop, so that time is what the verifier left behind.
import { performance } from 'node:perf_hooks';
import { createVerifier } from '../../src/verifier/create-verifier.js';

const [base, redis, prefix] = process.argv.slice(2);
if (base === undefined) throw new Error('usage: close-child.ts <server url> [redis url] [prefix]');
const verifier = createVerifier({
  issuer: 'http://127.0.0.1',
  audience: 'http://127.0.0.1',
  algorithms: ['EdDSA'],
  jwksUri: `${base}/.well-known/jwks.json`,
  revocations:
    redis === undefined
      ? { feed: `${base}/revocations/stream` }
      : { redis, prefix: prefix ?? 'tessera:', log: `${base}/revocations` },
});
await verifier.ready();
process.stdout.write(`ready ${verifier.status().keyCount}\n`);
await verifier.close();
const closedAt = performance.now();
process.on('exit', () => {
  process.stdout.write(`exited ${Math.round(performance.now() - closedAt)}\n`);
});
