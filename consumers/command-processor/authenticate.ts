// Is this command really from a registered producer allowed to speak for this tenant?
// Fail closed: anything but a valid signature by a live, permitted key is a refusal.
import { commandSigningBytes } from '../../crypto/command-signing.ts';
import { verify } from '../../crypto/ed25519.ts';
import type { SignedCommand } from '../../domain/logical.ts';
import { SERVICE_COMMAND_TYPES } from '../../domain/tenant/service-commands.ts';
import { ProcessorCode } from './errors.ts';
import type { ProducerKeyLookup } from './producer-keys.ts';

export type Authentication = { readonly ok: true } | { readonly ok: false; readonly code: ProcessorCode; readonly message: string };

export function authenticate(command: SignedCommand, keys: ProducerKeyLookup): Authentication {
  const key = keys.get(command.producerKeyId);
  if (!key) return refuse(ProcessorCode.UNKNOWN_PRODUCER_KEY, `producer key '${command.producerKeyId}' is not registered`);
  if (!command.signature) return refuse(ProcessorCode.SIGNATURE_MISSING, 'the command is not signed');
  const { signature, ...logical } = command;
  if (!verify(commandSigningBytes(logical), signature, key.publicKey)) return refuse(ProcessorCode.SIGNATURE_INVALID, 'the signature does not verify');
  if (key.revoked) return refuse(ProcessorCode.PRODUCER_KEY_REVOKED, `producer key '${key.keyId}' is revoked`);
  if (key.tenants && !key.tenants.has(command.tenantId)) return refuse(ProcessorCode.PRODUCER_KEY_NOT_ALLOWED, `producer key '${key.keyId}' may not act for this tenant`);
  if (command.type === 'CreateTenant' && !key.canCreateTenants) return refuse(ProcessorCode.PRODUCER_KEY_NOT_ALLOWED, `producer key '${key.keyId}' may not create tenants`);
  if (!key.actorKinds.has(command.actor.kind)) return refuse(ProcessorCode.PRODUCER_KEY_NOT_ALLOWED, `producer key '${key.keyId}' may not speak for a ${command.actor.kind === 'user' ? 'user' : 'service or system'} actor`);
  const allowedType = key.commandTypes === null ? !SERVICE_TYPES.has(command.type) : key.commandTypes.has(command.type);
  if (!allowedType) return refuse(ProcessorCode.PRODUCER_KEY_NOT_ALLOWED, `producer key '${key.keyId}' may not send ${command.type}`);
  return { ok: true };
}

const SERVICE_TYPES: ReadonlySet<string> = new Set(SERVICE_COMMAND_TYPES);

function refuse(code: ProcessorCode, message: string): Authentication {
  return { ok: false, code, message };
}
