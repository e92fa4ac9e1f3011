/** One header's value: a string, an array for a repeated header, or undefined. */
export function readHeader(
  // The shape of `HeaderSource` (request-authenticator.ts), repeated to keep imports one-way.
  headers:
    | Readonly<Record<string, string | readonly string[] | undefined>>
    | { get(name: string): string | null },
  name: string,
): string | readonly string[] | undefined {
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const value = (headers as Readonly<Record<string, string | readonly string[] | undefined>>)[name];
  return value;
}
