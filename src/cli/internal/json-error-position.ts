/** Where in a text a JSON syntax error is, counted from 1 as editors show it. */
export interface JsonErrorPosition {
  readonly line: number;
  readonly column: number;
}

class Stop extends Error {}

/**
 * The line and column of the first JSON syntax error in `text` (RFC 8259), found by a small
 * scanner of our own rather than read from `JSON.parse`'s message: V8's message may quote
 * the text around the error, and a configuration file can hold a password there.
 *
 * @returns the position of the first character that cannot continue valid JSON (one past the
 *   end for a truncated text); null when the text is valid JSON.
 * @example
 * jsonErrorPosition('{\n  "port": 1,\n}'); // { line: 3, column: 1 }
 */
export function jsonErrorPosition(text: string): JsonErrorPosition | null {
  let at = 0;
  const stop = (): never => {
    throw new Stop();
  };
  const blank = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text.charAt(at))) at++;
  };
  const expect = (char: string): void => {
    if (text.charAt(at) !== char) stop();
    at++;
  };
  const string = (): void => {
    expect('"');
    for (;;) {
      if (at >= text.length) stop();
      const char = text.charAt(at);
      if (char === '"') break;
      if (char < ' ') stop();
      at++;
      if (char !== '\\') continue;
      const escape = text.charAt(at);
      if ('"\\/bfnrt'.includes(escape) && escape !== '') at++;
      else if (escape === 'u') {
        at++;
        for (let i = 0; i < 4; i++) {
          if (!/[0-9a-fA-F]/.test(text.charAt(at))) stop();
          at++;
        }
      } else stop();
    }
    at++;
  };
  const list = (close: string, item: () => void): void => {
    at++;
    blank();
    if (text.charAt(at) === close) {
      at++;
      return;
    }
    for (;;) {
      item();
      blank();
      if (text.charAt(at) === close) break;
      expect(',');
    }
    at++;
  };
  const value = (): void => {
    blank();
    const char = text.charAt(at);
    if (char === '{') {
      list('}', () => {
        blank();
        string();
        blank();
        expect(':');
        value();
      });
    } else if (char === '[') list(']', value);
    else if (char === '"') string();
    else if (char === 't' || char === 'f' || char === 'n') {
      const word = char === 't' ? 'true' : char === 'f' ? 'false' : 'null';
      for (const letter of word) expect(letter);
    } else {
      const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
      number.lastIndex = at;
      if (!number.test(text)) stop();
      at = number.lastIndex;
    }
  };
  try {
    value();
    blank();
    if (at < text.length) stop();
    return null;
  } catch (error) {
    // Nesting deeper than the stack: report the place reached, which is past the opening.
    if (!(error instanceof Stop) && !(error instanceof RangeError)) throw error;
  }
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
