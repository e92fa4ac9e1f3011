/**
 * A database URL fit to print: the password (`postgres://user:secret@host/db`, or a
 * `password` query parameter, which node-postgres also reads) replaced with `***`. Paths and URLs without a password come back unchanged; text that does not
 * parse as a URL but looks like one loses everything between `//` and the last `@`.
 *
 * @example
 * redactDatabaseUrl('postgres://app:s3cret@db:5432/tessera'); // 'postgres://app:***@db:5432/tessera'
 */
export function redactDatabaseUrl(url: string): string {
  if (!/^[a-z][a-z0-9+.-]+:\/\//i.test(url)) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/\/\/.*@/, '//***@');
  }
  const inQuery = parsed.searchParams.has('password');
  if (parsed.password === '' && !inQuery) return url;
  if (parsed.password !== '') parsed.password = '***';
  if (inQuery) parsed.searchParams.set('password', '***');
  return parsed.toString();
}
