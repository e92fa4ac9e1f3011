import type { HeaderSource } from '../request-authenticator.js';

/** One header's value: a string, an array for a repeated header, or undefined. */
export function readHeader(
  headers: HeaderSource,
  name: string,
): string | readonly string[] | undefined {
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const value = (headers as Readonly<Record<string, string | readonly string[] | undefined>>)[name];
  return value;
}
