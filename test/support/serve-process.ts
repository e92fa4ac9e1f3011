import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './server-fixture.js';

// The built CLI as operators run it, in child processes: `tessera serve` and the admin
// commands. Tests and benchmarks that need real processes share these.

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** What a finished command printed and how it exited. */
export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without TESSERA_* settings (so the shell running the tests cannot leak in), plus `extra`. */
export function cleanEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('TESSERA_')),
    ),
    ...extra,
  };
}

/** Run `node <args>` in the project root with `input` on stdin; never rejects. */
export function runNode(
  args: readonly string[],
  input = '',
  env: Readonly<Record<string, string>> = {},
  timeoutMs = 60_000,
): Promise<Run & { readonly signal: NodeJS.Signals | null }> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      args,
      { cwd: ROOT, env: cleanEnv(env), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (_error, stdout, stderr) => {
        done({ code: child.exitCode, signal: child.signalCode, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}

/** Run the built `tessera` CLI. */
export function tessera(
  args: readonly string[],
  input?: string,
  env: Readonly<Record<string, string>> = {},
): Promise<Run> {
  return runNode([CLI, ...args], input, env);
}

/**
 * Longest a build may take. tsc over the whole project takes well under a minute alone, but
 * the machine is shared with other test runs, and a build killed by the limit looked like a
 * failure with no output.
 */
const BUILD_TIMEOUT_MS = 180_000;

/**
 * Compile `dist/` so child processes run the code under test, once per test run however many
 * files ask (see test/global-setup.ts); throws with tsc's output.
 */
export async function buildCli(): Promise<void> {
  const shared = process.env['TESSERA_TEST_BUILD_DIR'];
  if (shared === undefined) {
    await build();
    return;
  }
  // One build per test run: the first caller builds, the others wait for its verdict.
  const lock = join(shared, 'lock');
  const verdict = join(shared, 'verdict');
  try {
    await mkdir(lock);
  } catch {
    const deadline = Date.now() + BUILD_TIMEOUT_MS + 10_000;
    while (!existsSync(verdict)) {
      if (Date.now() > deadline) throw new Error('waited too long for another file to build');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const failure = await readFile(verdict, 'utf8');
    if (failure !== '') throw new Error(failure);
    return;
  }
  try {
    await build();
    await writeFile(verdict, '');
  } catch (error) {
    await writeFile(verdict, error instanceof Error ? error.message : String(error));
    throw error;
  }
}

async function build(): Promise<void> {
  const result = await runNode([TSC, '-p', 'tsconfig.build.json'], '', {}, BUILD_TIMEOUT_MS);
  if (result.code !== 0) {
    const how =
      result.signal === null
        ? `exit code ${String(result.code)}`
        : `signal ${result.signal} (the ${BUILD_TIMEOUT_MS / 1000} s limit, or killed)`;
    throw new Error(`build failed (${how}):\n${result.stdout}${result.stderr}`);
  }
}

/** A `tessera serve` child process. */
export interface ServeProcess {
  readonly child: ChildProcess;
  /** Where it listens, once it printed it (`''` when it exited first). */
  readonly url: string;
  readonly output: () => { readonly stdout: string; readonly stderr: string };
  /** SIGTERM, then wait for the exit; resolves to the exit code. */
  readonly stop: () => Promise<number | null>;
}

/**
 * Child processes a test starts, all killed by {@link killAll} (call it in `afterEach` or
 * `afterAll`), so no test leaves a server running whatever happens.
 */
export class ProcessGroup {
  readonly #children: ChildProcess[] = [];

  /**
   * Start `tessera serve <args>` and wait until it prints `until` (default: where it listens),
   * exits, or 30 s pass.
   */
  serve(
    args: readonly string[],
    env: Readonly<Record<string, string>> = {},
    until = /listening on http/,
  ): Promise<ServeProcess> {
    return this.#start('serve', args, env, until, /listening on (http:\/\/\S+)\n/);
  }

  /**
   * Start `tessera gateway <args>` and wait until it prints `until` (default: where it
   * listens), exits, or 30 s pass. `url` is where it listens (`''` when it exited first).
   */
  gateway(
    args: readonly string[],
    env: Readonly<Record<string, string>> = {},
    until = /listening on http/,
  ): Promise<ServeProcess> {
    return this.#start('gateway', args, env, until, /listening on (http:\/\/[^\s,]+)/);
  }

  async #start(
    command: string,
    args: readonly string[],
    env: Readonly<Record<string, string>>,
    until: RegExp,
    listening: RegExp,
  ): Promise<ServeProcess> {
    const child = spawn(process.execPath, [CLI, command, ...args], {
      cwd: ROOT,
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    await waitFor(
      `tessera ${command} to print ${String(until)}`,
      () => Promise.resolve(until.test(stdout) || child.exitCode !== null),
      30_000,
      50,
    );
    return {
      child,
      url: listening.exec(stdout)?.[1] ?? '',
      output: () => ({ stdout, stderr }),
      stop: () => stopChild(child, 'SIGTERM'),
    };
  }

  /** SIGKILL every child still running and wait for each to exit. */
  async killAll(): Promise<void> {
    await Promise.all(this.#children.splice(0).map((child) => stopChild(child, 'SIGKILL')));
  }
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit');
  child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}
