import { createInterface } from 'node:readline';

/** All of standard input, less one trailing newline (what `echo`/`printf '%s\n'` adds). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Ask for a secret on the terminal without echoing it. */
export async function promptSecret(question: string): Promise<string> {
  if (!process.stdin.isTTY)
    throw new TypeError('no terminal to ask on: pass --password-stdin and pipe the password');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const writeOriginal = (
    rl as unknown as { _writeToOutput: (text: string) => void }
  )._writeToOutput.bind(rl);
  let asked = false;
  (rl as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = (text: string) => {
    if (!asked) {
      writeOriginal(text);
      asked = true;
    }
  };
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, resolve);
    });
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

/** A new password from stdin (`--password-stdin`) or asked twice on the terminal. */
export async function readNewPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return readStdin();
  const first = await promptSecret('Password: ');
  const second = await promptSecret('Repeat password: ');
  if (first !== second) throw new TypeError('the passwords do not match');
  return first;
}
