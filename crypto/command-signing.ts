// What a producer signs (docs/spec.md "Authentication and authorization"): the logical command
// without its signature, canonicalized (RFC 8785) and prefixed with a context string so a
// command signature can never be replayed as a signature over anything else.
import { jcs } from '../domain/chain/jcs.ts';
import type { LogicalCommand, SignedCommand } from '../domain/logical.ts';
import { sign, verify } from './ed25519.ts';

export const COMMAND_SIGNING_CONTEXT = 'palisade/command/v1\n';

/** UTF-8 of "palisade/command/v1\n" + JCS(command), over the LogicalCommand fields only. */
export function commandSigningBytes(cmd: LogicalCommand): Buffer {
  // Pick the fields: a SignedCommand is also a LogicalCommand, and its signature must not sign itself.
  const logical: LogicalCommand = {
    commandId: cmd.commandId,
    tenantId: cmd.tenantId,
    type: cmd.type,
    schemaVersion: cmd.schemaVersion,
    issuedAt: cmd.issuedAt,
    actor: cmd.actor,
    producerKeyId: cmd.producerKeyId,
    payload: cmd.payload,
  };
  return Buffer.from(COMMAND_SIGNING_CONTEXT + jcs(logical), 'utf8');
}

export function signCommand(cmd: LogicalCommand, secretKey: Uint8Array): SignedCommand {
  return { ...cmd, signature: sign(commandSigningBytes(cmd), secretKey) };
}

/** False for a missing, malformed or wrong signature; never throws on a malformed command. */
export function verifyCommandSignature(cmd: SignedCommand, publicKey: Uint8Array): boolean {
  if (cmd.signature === null) return false;
  let bytes: Buffer;
  try {
    bytes = commandSigningBytes(cmd);
  } catch {
    return false; // no canonical form (e.g. a lone surrogate): nothing can have been signed
  }
  return verify(bytes, cmd.signature, publicKey);
}
