/**
 * Claim values that look like personal or payment data, whatever the claim is called.
 * Both checks run on bounded strings only, with patterns that cannot backtrack badly.
 */

/** Longest string either check looks at; longer values are neither an email nor a PAN. */
const MAX_VALUE_LENGTH = 320;

/**
 * True when `value` looks like a payment card number: 13 to 19 digits (spaces and hyphens
 * between groups allowed), a first digit of 2 to 6 (every major card network; ISO/IEC 7812
 * major industry identifiers), and a valid Luhn check digit. The first-digit rule keeps
 * numeric ids such as Twitter and Discord snowflakes (which start with 1) from matching.
 *
 * @example
 * looksLikeCardNumber('4111 1111 1111 1111'); // true
 * looksLikeCardNumber('4111 1111 1111 1112'); // false: Luhn fails
 */
export function looksLikeCardNumber(value: string): boolean {
  if (value.length > MAX_VALUE_LENGTH || !/^[0-9](?:[ -]?[0-9])+$/.test(value)) return false;
  const digits = value.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  const first = digits.charCodeAt(0) - 48;
  return first >= 2 && first <= 6 && isLuhnValid(digits);
}

/**
 * True when the decimal digit string `digits` passes the Luhn check (ISO/IEC 7812-1 Annex B).
 *
 * @example
 * isLuhnValid('79927398713'); // true
 */
export function isLuhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/**
 * True when `value` looks like an email address: one `@`, no whitespace, and a domain of at
 * least two dot-separated labels. Deliberately loose: it flags data, it does not validate it.
 *
 * @example
 * looksLikeEmail('alice@example.com'); // true
 * looksLikeEmail('https://auth.example.com'); // false
 */
export function looksLikeEmail(value: string): boolean {
  return value.length <= MAX_VALUE_LENGTH && /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/.test(value);
}
