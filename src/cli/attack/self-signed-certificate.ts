import { createPublicKey, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';

// A minimal DER writer (ITU-T X.690) for the one certificate shape the x5c and x5u attacks
// need: X.509 v3 (RFC 5280 §4.1), self-issued, signed with ecdsa-with-SHA256.

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let value = arc >> 7; value > 0; value >>= 7) chunk.unshift(0x80 | (value & 0x7f));
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function positiveInteger(bytes: Buffer): Buffer {
  // DER integers are signed: a leading 1 bit needs a zero byte in front.
  const first = bytes[0] ?? 0;
  return tlv(0x02, first >= 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return tlv(0x17, Buffer.from(text, 'latin1'));
}

function name(commonName: string): Buffer {
  return sequence(set(sequence(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName, 'utf8')))));
}

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));

/**
 * A self-signed X.509 certificate for an attacker's P-256 key, in DER: what an `x5c` header
 * carries and an `x5u` URL serves. Valid for a day from an hour ago.
 *
 * @throws Error from node:crypto when the key is not a P-256 private key.
 * @example
 * const der = createSelfSignedCertificate(attackerKeys.ES256, 'attacker');
 * header.x5c = [der.toString('base64')];
 */
export function createSelfSignedCertificate(privateKey: KeyObject, commonName: string): Buffer {
  const now = Date.now();
  const subject = name(commonName);
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const serial = randomBytes(12);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const tbs = sequence(
    tlv(0xa0, positiveInteger(Buffer.from([2]))), // [0] version v3
    positiveInteger(serial),
    ECDSA_WITH_SHA256,
    subject,
    sequence(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 86_400_000))),
    subject,
    spki,
  );
  const signature = cryptoSign('sha256', tbs, privateKey); // DER ECDSA-Sig-Value
  // The BIT STRING's first byte counts unused bits: none.
  const bitString = tlv(0x03, Buffer.concat([Buffer.from([0]), signature]));
  return sequence(tbs, ECDSA_WITH_SHA256, bitString);
}
