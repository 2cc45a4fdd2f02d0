// A SCRAM-SHA-256 password verifier in PostgreSQL's stored format (RFC 5802, RFC 7677), so
// `CREATE ROLE … PASSWORD '<verifier>'` never sends the password itself: it cannot end up in a
// server log or pg_stat_activity. PostgreSQL recognises the format and stores it as given.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

export const SCRAM_ITERATIONS = 4096;

/** `password` must be ASCII without control characters (SASLprep is then the identity). */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = SCRAM_ITERATIONS): string {
  if (!/^[\x21-\x7e]+$/.test(password)) throw new RangeError('scramSha256Verifier: the password must be printable ASCII');
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** A random password that survives a URL and a shell unquoted. */
export function randomPassword(): string {
  return randomBytes(24).toString('base64url');
}
