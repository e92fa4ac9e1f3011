import { generateAttackerKeys } from './attack-signer.js';
import { buildAttackCatalogue } from './attack-catalogue.js';
import { fetchTargetPublicKeys, publicKeyOfRealKey, readRealSigningKey } from './attack-keys.js';
import type { AttackReport } from './attack-report.js';
import type { AttackResult, ForgedAttack, TargetAnswer } from './attack-types.js';
import { AttackerServer } from './attacker-server.js';
import type { RealSigningKey, TargetPublicKey } from './catalogue/catalogue-context.js';
import { describeValidToken, parseJwsParts } from './jws-parts.js';
import { TargetClient } from './target-client.js';

/** What `tessera attack` was asked to do; validated by the command. */
export interface AttackOptions {
  readonly url: string;
  readonly token: string;
  readonly jwksUrl?: string;
  readonly keyFile?: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly concurrency: number;
}

/** How long to keep listening for a target's late fetch of an attacker URL. */
const LATE_FETCH_MS = 300;

/** A token no verifier can accept: tells what a refusal looks like. */
const GARBAGE_TOKEN = 'tessera-attack-garbage';

const isSuccess = (answer: TargetAnswer): boolean =>
  answer.kind === 'status' && answer.status >= 200 && answer.status < 300;

/**
 * Run every attack against the target and return the report. The valid token must succeed
 * first (the baseline) and requests with no token or garbage must not, or nothing can be
 * judged and the report says why. The valid token is sent again at the end, so that a
 * token that stopped working (revoked, rate limited) does not pass for a clean run.
 *
 * @throws TypeError for unusable input (`--token` not a JWS, an unreadable `--key`).
 * @example
 * const report = await runAttack({ url, token, method: 'GET', headers: {}, timeoutMs: 5000, concurrency: 4 });
 * report.verdict; // 'passed'
 */
export async function runAttack(options: AttackOptions): Promise<AttackReport> {
  const parts = parseJwsParts(options.token);
  const alg = String(parts.header['alg']);
  const realKey: RealSigningKey | null =
    options.keyFile === undefined ? null : await readRealSigningKey(options.keyFile, alg);
  const client = new TargetClient(options);
  const base = {
    target: { url: options.url, method: options.method },
    validToken: describeValidToken(parts),
  };
  const untested = (problem: string, extra: Partial<AttackReport> = {}): AttackReport => ({
    ...base,
    baseline: null,
    refusal: null,
    results: [],
    skipped: [],
    finalCheck: null,
    ...extra,
    verdict: 'untested',
    problem,
  });

  const baseline = await client.send(options.token);
  if (!isSuccess(baseline)) {
    const got = baseline.kind === 'status' ? `status ${baseline.status}` : baseline.reason;
    return untested(
      `the valid token was not accepted (${got}): give a token and URL that succeed`,
      {
        baseline,
      },
    );
  }
  const refusal = { noToken: await client.send(null), garbage: await client.send(GARBAGE_TOKEN) };
  if (isSuccess(refusal.noToken) || isSuccess(refusal.garbage)) {
    return untested(
      'the endpoint succeeds without a valid token: it is not protected, so acceptance means nothing',
      { baseline, refusal },
    );
  }

  const publicKeys: TargetPublicKey[] = [];
  if (options.jwksUrl !== undefined) {
    try {
      publicKeys.push(
        ...(await fetchTargetPublicKeys(client, options.jwksUrl, parts.header['kid'])),
      );
    } catch (error) {
      return untested(`--jwks: ${(error as Error).message}`, { baseline, refusal });
    }
  }
  const fromKey = realKey === null ? null : publicKeyOfRealKey(realKey);
  if (fromKey !== null && publicKeys.length === 0) publicKeys.push(fromKey);

  const attacker = await AttackerServer.start();
  let results: AttackResult[];
  let skipped;
  try {
    const catalogue = buildAttackCatalogue({
      parts,
      publicKeys,
      realKey,
      attackerKeys: generateAttackerKeys(),
      publish: (label, resource) => attacker.publish(label, resource),
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    skipped = catalogue.skipped;
    const answers = await mapBounded(catalogue.attacks, options.concurrency, (attack) =>
      client.send(attack.token),
    );
    await new Promise((resolve) => setTimeout(resolve, LATE_FETCH_MS));
    const requested = attacker.requestedPaths();
    results = catalogue.attacks.map((attack, index) =>
      judge(attack, answers[index] ?? { kind: 'no-answer', reason: 'not sent' }, requested),
    );
  } finally {
    await attacker.close();
  }

  const finalCheck = await client.send(options.token);
  const found = results.some(
    (result) =>
      result.isControl !== true && (result.outcome === 'accepted' || result.outcome === 'fetched'),
  );
  const unanswered = results.filter((result) => result.outcome === 'no-answer').length;
  const report = { ...base, baseline, refusal, results, skipped, finalCheck };
  if (found) return { ...report, verdict: 'vulnerable' };
  const control = results.find((result) => result.isControl === true);
  if (control !== undefined && control.outcome !== 'accepted') {
    // The real-key attacks were refused, but so was the same token re-signed unchanged: the
    // refusals come from the wrong key, not from the target's claim checks.
    return {
      ...report,
      verdict: 'untested',
      problem:
        "--key is not the key that signs the target's tokens: the control re-signed with it was refused, so the real-key attacks prove nothing",
    };
  }
  if (!isSuccess(finalCheck)) {
    return {
      ...report,
      verdict: 'untested',
      problem:
        'the valid token stopped working during the run (revoked or rate limited?): refusals prove nothing',
    };
  }
  if (unanswered > 0) {
    return {
      ...report,
      verdict: 'untested',
      problem: `${unanswered} attack${unanswered === 1 ? '' : 's'} got no answer: the target could not be fully tested`,
    };
  }
  return { ...report, verdict: 'passed' };
}

function judge(
  attack: ForgedAttack,
  answer: TargetAnswer,
  requested: readonly string[],
): AttackResult {
  const fetched = (attack.watchPaths ?? []).filter((path) => requested.includes(path));
  let outcome: AttackResult['outcome'];
  let note: string | undefined;
  if (isSuccess(answer)) outcome = 'accepted';
  else if (fetched.length > 0) outcome = 'fetched';
  else if (answer.kind === 'status') outcome = 'refused';
  else outcome = attack.closeIsRefusal === true ? 'refused' : 'no-answer';
  if (answer.kind === 'status' && answer.status >= 500) {
    note = `server error ${answer.status} for a bad token: a client's mistake should get 401`;
  }
  if (attack.isControl === true && outcome !== 'accepted') {
    note =
      'the control signed with --key was refused: --key is likely not the signing key, so the real-key attacks prove nothing';
  }
  return {
    id: attack.id,
    category: attack.category,
    sent: attack.sent,
    answer,
    outcome,
    fetched,
    ...(note === undefined ? {} : { note }),
    ...(attack.isControl === true ? { isControl: true } : {}),
  };
}

/** `map` with at most `limit` calls in flight, results in input order. */
async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
