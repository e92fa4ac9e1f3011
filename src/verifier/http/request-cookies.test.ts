import { describe, expect, it } from 'vitest';
import { MAX_COOKIE_HEADER_LENGTH, readTesseraCookies } from './request-cookies.js';

// The Cookie header parser of browser mode: only our cookies are read, and anything that could
// make two readers disagree about them is refused.

describe('readTesseraCookies', () => {
  it('reads our cookies among others, and ignores the rest', () => {
    expect(
      readTesseraCookies(
        'theme=dark; __Host-tessera-access=a.b.c;__Host-tessera-fgp="xyz"; flag; __Host-tessera-csrf=q-_',
      ),
    ).toEqual({ access: 'a.b.c', fingerprint: 'xyz', csrf: 'q-_' });
    expect(readTesseraCookies(undefined)).toEqual({});
    expect(readTesseraCookies('a=1; a=2')).toEqual({});
    // Several fields (HTTP/2) are one list.
    expect(readTesseraCookies(['__Host-tessera-refresh=r1', 'x=y'])).toEqual({ refresh: 'r1' });
  });

  it('refuses one of our names twice, in any spelling', () => {
    for (const header of [
      '__Host-tessera-access=a; __Host-tessera-access=b',
      '__Host-tessera-fgp=a; __HOST-tessera-fgp=b',
      '__host-tessera-refresh=a; __Host-tessera-refresh=a',
      '__Host-tessera-csrf=a; x=1; __Host-tessera-csrf=a',
    ]) {
      const read = readTesseraCookies(header);
      expect(read, header).toHaveProperty('refused');
      expect((read as { refused: string }).refused).toMatch(/more than once/);
    }
  });

  it('reads a spelling that is not exactly ours as none of ours', () => {
    expect(readTesseraCookies('__HOST-tessera-access=a.b.c')).toEqual({});
    expect(readTesseraCookies('tessera-access=a.b.c')).toEqual({});
  });

  it('refuses values Tessera cannot have set, and oversized headers', () => {
    expect(readTesseraCookies('__Host-tessera-access=a b')).toHaveProperty('refused');
    expect(readTesseraCookies('__Host-tessera-access=')).toHaveProperty('refused');
    expect(readTesseraCookies(`__Host-tessera-access=${'a'.repeat(9000)}`)).toHaveProperty(
      'refused',
    );
    const huge = `x=${'y'.repeat(MAX_COOKIE_HEADER_LENGTH)}; __Host-tessera-access=a`;
    expect(readTesseraCookies(huge)).toEqual({ refused: 'the Cookie header is too large' });
    const many = `${Array.from({ length: 300 }, (_, i) => `c${i}=1`).join('; ')}; __Host-tessera-access=a`;
    expect(readTesseraCookies(many)).toEqual({ refused: 'the Cookie header has too many cookies' });
  });
});
