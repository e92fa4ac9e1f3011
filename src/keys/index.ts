// Public API of the keys part: signing keys, the key ring, and JWKS import for verifiers.
export { generateSigningKey, type GenerateSigningKeyOptions } from './generate-signing-key.js';
export { assertStrongHmacSecret } from './hmac-secret.js';
export { importJwks } from './import-jwks.js';
export { importSigningKey, type ImportSigningKeyOptions } from './import-signing-key.js';
export {
  KeyRing,
  type KeyRingEntry,
  type KeyState,
  type RotateOptions,
  type ScheduledKey,
} from './key-ring.js';
export {
  loadMasterKey,
  MASTER_KEY_ENV,
  MASTER_KEY_FILE,
  type LoadedMasterKey,
} from './master-key.js';
export { generateMasterKey, Sealer } from './sealer.js';
export { SigningKey } from './signing-key.js';
