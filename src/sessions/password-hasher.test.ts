import { hash as rawHash, parseOptions } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ARGON2_PARAMETERS, PasswordHasher } from './password-hasher.js';
import { MAX_PASSWORD_INPUT_LENGTH } from './password-policy.js';

// Stored hashes of 'fixture password' that this hasher did not make, all m=19456 t=2 p=1.
const FIXTURES = {
  argon2i:
    '$argon2i$v=19$m=19456,t=2,p=1$6hmd4k5rIoOvTfSpOp3RZA$TjqRDXEH5X+S2PULFdcfUEuc13sWCExGqPbVh9OxXPw',
  version16:
    '$argon2id$v=16$m=19456,t=2,p=1$AhnlYEjUP4kW+1XRRuyNuw$S2tKmWzNP6HFXZVtiXhVzT4Wq5rAS6HWRrQwGAmCFnY',
  shortTag: '$argon2id$v=19$m=19456,t=2,p=1$KcyEbNz7oVvM2QJlXCVsIQ$yJjpVowW38QMaOkIAnl52A',
  shortSalt:
    '$argon2id$v=19$m=19456,t=2,p=1$BwcHBwcHBwc$L0AxB8WR9Wmk9R4XhrLMrpFK7AtGX4kzxYofB8Bloss',
};

const MALFORMED = [
  '',
  'not a hash',
  '$argon2id$',
  '$argon2id$v=19$m=19456,t=2,p=1$',
  '$argon2id$v=19$m=19456,t=2,p=1$!!!!$????',
  '$argon2id$v=19$m=abc,t=2,p=1$6hmd4k5rIoOvTfSpOp3RZA$TjqRDXEH5X+S2PULFdcfUEuc13sWCExGqPbVh9OxXPw',
  '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW',
  'x'.repeat(100_000),
];

const hasher = new PasswordHasher();

describe('PasswordHasher', () => {
  it('defaults to the OWASP argon2id configuration m=19456 t=2 p=1', () => {
    expect(hasher.parameters).toEqual({ memoryKiB: 19_456, passes: 2, parallelism: 1 });
    expect(DEFAULT_ARGON2_PARAMETERS).toEqual(hasher.parameters);
  });

  it('makes argon2id v1.3 PHC strings with the configured parameters, a 16-byte salt and a 32-byte tag', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(stored).toMatch(
      /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/,
    );
    expect(parseOptions(stored)).toMatchObject({ saltLen: 16, outputLen: 32 });

    const custom = new PasswordHasher({ memoryKiB: 12_288, passes: 3 });
    expect(await custom.hash('correct horse battery staple')).toMatch(
      /^\$argon2id\$v=19\$m=12288,t=3,p=1\$/,
    );
  });

  it('salts every hash afresh', async () => {
    const [a, b] = await Promise.all([hasher.hash('same password'), hasher.hash('same password')]);
    expect(a).not.toBe(b);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(await hasher.verify(stored, 'correct horse battery staple')).toBe(true);
    expect(await hasher.verify(stored, 'correct horse battery stapler')).toBe(false);
    expect(await hasher.verify(stored, 'Correct horse battery staple')).toBe(false);
    expect(await hasher.verify(stored, '')).toBe(false);
  });

  it('verifies across Unicode forms: composed, decomposed and full-width input match (NFKC)', async () => {
    const stored = await hasher.hash('caf\u00e9 au lait \uff21\uff22');
    expect(await hasher.verify(stored, 'cafe\u0301 au lait AB')).toBe(true);
  });

  it('verifies hashes made with other parameters by their own parameters', async () => {
    const weak = await rawHash('fixture password', { memoryCost: 1024, timeCost: 1 });
    expect(await hasher.verify(weak, 'fixture password')).toBe(true);
    expect(await hasher.verify(FIXTURES.argon2i, 'fixture password')).toBe(true);
    expect(await hasher.verify(FIXTURES.argon2i, 'fixture passwore')).toBe(false);
  });

  it('never throws on a malformed stored hash: it is no match', async () => {
    for (const stored of MALFORMED) {
      expect(await hasher.verify(stored, 'fixture password'), stored.slice(0, 40)).toBe(false);
    }
  });

  it('refuses to hash an over-long password and never matches one', async () => {
    const long = 'a'.repeat(MAX_PASSWORD_INPUT_LENGTH + 1);
    await expect(hasher.hash(long)).rejects.toThrow(TypeError);
    const stored = await rawHash(long);
    expect(await hasher.verify(stored, long)).toBe(false);
  });

  describe('parameters', () => {
    it('accepts every OWASP argon2id configuration', () => {
      for (const [memoryKiB, passes] of [
        [47_104, 1],
        [19_456, 2],
        [12_288, 3],
        [9_216, 4],
        [7_168, 5],
      ] as const) {
        expect(new PasswordHasher({ memoryKiB, passes }).parameters.memoryKiB).toBe(memoryKiB);
      }
    });

    it.each([
      ['memory below 7 MiB', { memoryKiB: 4096, passes: 10 }],
      ['memory × passes below the floor', { memoryKiB: 7_168, passes: 4 }],
      ['one pass of 19 MiB', { memoryKiB: 19_456, passes: 1 }],
      ['memory given in bytes', { memoryKiB: 19 * 1024 * 1024 }],
      ['fractional memory', { memoryKiB: 19_456.5 }],
      ['zero passes', { passes: 0 }],
      ['zero lanes', { parallelism: 0 }],
      ['too many lanes', { parallelism: 256 }],
      ['NaN', { passes: Number.NaN }],
    ])('refuses %s with a TypeError', (_, parameters) => {
      expect(() => new PasswordHasher(parameters)).toThrow(TypeError);
    });

    it('freezes its parameters', () => {
      expect(Object.isFrozen(hasher.parameters)).toBe(true);
    });
  });

  describe('needsRehash', () => {
    it('is false for its own hashes and for stronger ones', async () => {
      expect(hasher.needsRehash(await hasher.hash('fixture password'))).toBe(false);
      const stronger = await rawHash('fixture password', { memoryCost: 24_576, timeCost: 3 });
      expect(hasher.needsRehash(stronger)).toBe(false);
    });

    it('is true when memory or passes are below the current parameters', async () => {
      const lessMemory = await new PasswordHasher({ memoryKiB: 9_216, passes: 4 }).hash('pw');
      expect(hasher.needsRehash(lessMemory)).toBe(true);
      const fewerPasses = await hasher.hash('pw');
      expect(new PasswordHasher({ passes: 3 }).needsRehash(fewerPasses)).toBe(true);
    });

    it('is true for another algorithm or version, a short tag or salt, and anything unparsable', () => {
      for (const stored of [...Object.values(FIXTURES), ...MALFORMED]) {
        expect(hasher.needsRehash(stored), stored.slice(0, 40)).toBe(true);
      }
    });
  });

  describe('verifyDummy', () => {
    it('answers false, also to concurrent first calls', async () => {
      const fresh = new PasswordHasher();
      const answers = await Promise.all([
        fresh.verifyDummy('a'),
        fresh.verifyDummy('b'),
        fresh.verifyDummy(''),
      ]);
      expect(answers).toEqual([false, false, false]);
      expect(await fresh.verifyDummy('a'.repeat(MAX_PASSWORD_INPUT_LENGTH + 1))).toBe(false);
    });

    // A behaviour check, not a speed goal: an unknown user must cost about what a known one
    // does. Interleaved so both sides see the same machine load; medians resist outliers.
    it('takes about as long as a real verification (median of 5 each within 0.5×–2×)', async () => {
      const subject = new PasswordHasher();
      const stored = await subject.hash('the real password');
      await subject.verifyDummy('warm-up');
      await subject.verify(stored, 'warm-up');
      const real: number[] = [];
      const dummy: number[] = [];
      for (let i = 0; i < 5; i++) {
        real.push(await timed(() => subject.verify(stored, `guess ${i}`)));
        dummy.push(await timed(() => subject.verifyDummy(`guess ${i}`)));
      }
      const ratio = median(dummy) / median(real);
      expect(ratio).toBeGreaterThan(0.5);
      expect(ratio).toBeLessThan(2);
    });
  });
});

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
