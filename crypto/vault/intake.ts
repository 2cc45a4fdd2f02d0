// Secret intake (docs/spec.md "Credentials and keys"): an upstream service seals a secret to the
// processor's intake public key with crypto_box_seal (anonymous sender, X25519 + XSalsa20-
// Poly1305), so the command that carries it holds no plaintext. The processor opens it and
// re-seals it under the owner's DEK (sealed-value.ts).
//
// crypto_box_seal has no associated data, so the binding travels inside the box:
//   box plaintext = UTF-8("palisade/intake/v1\n" + JCS(binding) + "\n") ‖ secret
// (JCS never emits a raw newline, so the first "\n" after the context ends the header).
// openIntake checks it against the binding the command claims, so a box captured from one
// tenant's command cannot be replayed into another tenant's, user's or field's.
import { type SecureBuffer, allocSecure, zero } from '../secure-memory.ts';
import { type Binding, checkBinding, contextBytes } from './binding.ts';
import { VaultError } from './errors.ts';
import { MAX_PLAINTEXT_BYTES } from './sealed-value.ts';
import { sodium } from '../sodium.ts';

export const INTAKE_CONTEXT = 'palisade/intake/v1\n';
export const INTAKE_PUBLIC_KEY_BYTES = 32;
export const INTAKE_SECRET_KEY_BYTES = 32;
export const INTAKE_OVERHEAD_BYTES = 48; // crypto_box_SEALBYTES: ephemeral public key + tag

/** The processor's intake key pair. The secret key lives in secure memory; zero it when done. */
export interface IntakeKeyPair {
  readonly publicKey: Buffer;
  readonly secretKey: SecureBuffer;
}

export function generateIntakeKeyPair(): IntakeKeyPair {
  const publicKey = Buffer.alloc(INTAKE_PUBLIC_KEY_BYTES);
  const secretKey = allocSecure(INTAKE_SECRET_KEY_BYTES);
  sodium.crypto_box_keypair(publicKey, secretKey);
  return { publicKey, secretKey };
}

/** The key pair of a stored intake secret key (32 bytes, copied into secure memory). */
export function intakeKeyPairFromSecretKey(secret: Uint8Array): IntakeKeyPair {
  if (!(secret instanceof Uint8Array) || secret.byteLength !== INTAKE_SECRET_KEY_BYTES) {
    throw new VaultError('INVALID_KEY', `an intake secret key must be ${INTAKE_SECRET_KEY_BYTES} bytes`);
  }
  const secretKey = allocSecure(INTAKE_SECRET_KEY_BYTES);
  secretKey.set(secret);
  const publicKey = Buffer.alloc(INTAKE_PUBLIC_KEY_BYTES);
  sodium.crypto_scalarmult_base(publicKey, secretKey);
  return { publicKey, secretKey };
}

function header(binding: Binding): Buffer {
  const b = checkBinding(binding);
  const head = contextBytes(INTAKE_CONTEXT, { field: b.field, purpose: b.purpose, subject: b.subject, tenantId: b.tenantId });
  return Buffer.concat([head, Buffer.from('\n', 'utf8')]);
}

/**
 * Seals `secret` for `binding` to the intake public key. The secret is not modified; the
 * framed copy made here is in secure memory and zeroed before returning.
 */
export function sealToIntake(secret: Uint8Array, intakePublicKey: Uint8Array, binding: Binding): Buffer {
  if (!(intakePublicKey instanceof Uint8Array) || intakePublicKey.byteLength !== INTAKE_PUBLIC_KEY_BYTES) {
    throw new VaultError('INVALID_KEY', `an intake public key must be ${INTAKE_PUBLIC_KEY_BYTES} bytes`);
  }
  if (!(secret instanceof Uint8Array)) throw new VaultError('INTAKE_MALFORMED', 'the secret must be bytes');
  if (secret.byteLength > MAX_PLAINTEXT_BYTES) {
    throw new VaultError('PLAINTEXT_TOO_LARGE', `at most ${MAX_PLAINTEXT_BYTES} bytes can be sealed`);
  }
  const head = header(binding);
  const framed = allocSecure(head.byteLength + secret.byteLength);
  try {
    framed.set(head, 0);
    framed.set(secret, head.byteLength);
    const box = Buffer.alloc(framed.byteLength + INTAKE_OVERHEAD_BYTES);
    sodium.crypto_box_seal(box, framed, intakePublicKey);
    return box;
  } finally {
    zero(framed);
  }
}

/**
 * Opens an intake box sealed for `binding`. Returns the secret in secure memory (the caller
 * zeroes it, normally right after re-sealing it). INTAKE_OPEN_FAILED when the box does not
 * open with this key pair; INTAKE_BINDING_MISMATCH when it was sealed for another binding.
 */
export function openIntake(box: Uint8Array, keyPair: IntakeKeyPair, binding: Binding): SecureBuffer {
  if (keyPair.publicKey?.byteLength !== INTAKE_PUBLIC_KEY_BYTES || keyPair.secretKey?.byteLength !== INTAKE_SECRET_KEY_BYTES) {
    throw new VaultError('INVALID_KEY', 'an intake key pair is a 32-byte public and a 32-byte secret key');
  }
  const head = header(binding);
  if (!(box instanceof Uint8Array) || box.byteLength < INTAKE_OVERHEAD_BYTES + INTAKE_CONTEXT.length) {
    throw new VaultError('INTAKE_MALFORMED', 'the intake box is too short');
  }
  if (box.byteLength > INTAKE_OVERHEAD_BYTES + head.byteLength + MAX_PLAINTEXT_BYTES + 4096) {
    throw new VaultError('INTAKE_MALFORMED', 'the intake box is too long');
  }
  const framed = allocSecure(box.byteLength - INTAKE_OVERHEAD_BYTES);
  try {
    if (!sodium.crypto_box_seal_open(framed, box, keyPair.publicKey, keyPair.secretKey)) {
      throw new VaultError('INTAKE_OPEN_FAILED', 'the intake box does not open with this intake key');
    }
    if (framed.byteLength < head.byteLength || !sodium.sodium_memcmp(framed.subarray(0, head.byteLength), head)) {
      throw new VaultError('INTAKE_BINDING_MISMATCH', 'the intake box was sealed for another tenant, subject, purpose or field');
    }
    const secret = allocSecure(framed.byteLength - head.byteLength);
    secret.set(framed.subarray(head.byteLength));
    return secret;
  } finally {
    zero(framed);
  }
}
