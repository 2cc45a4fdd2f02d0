// PalisadeClient.send is typed by command: a payload of the wrong shape for its `type` does not
// compile. The `@ts-expect-error` lines are checked by tsc (`npm run typecheck` compiles test/):
// each must be an error, or the typecheck fails. At run time the same inputs go to the domain's
// parser, so what the compiler refuses is shown to be what the processor would refuse.
import { describe, expect, it } from 'vitest';
import type { CommandInput, OpaqueCommandInput, PalisadeClient } from '../../producers/client.ts';
import type { CommandResult, JsonObject } from '../../domain/logical.ts';
import { parseTenantCommand } from '../../domain/tenant/index.ts';

const TENANT = '0b9e3c1a-4f2d-4c8e-9a7b-1d2e3f4a5b6c';
const COMMAND = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const alice = { kind: 'user', id: 'alice' } as const;

/** A client whose `send` has the real signature and only records what it was given. */
function recordingClient(): { client: Pick<PalisadeClient, 'send'>; sent: (CommandInput | OpaqueCommandInput)[] } {
  const sent: (CommandInput | OpaqueCommandInput)[] = [];
  const send = async (input: CommandInput | OpaqueCommandInput): Promise<CommandResult> => {
    sent.push(input);
    return { commandId: COMMAND, tenantId: TENANT, commandDigest: '', outcome: 'accepted', replayed: false, processedAt: '2026-11-23T10:00:00.000Z' };
  };
  return { client: { send } as unknown as Pick<PalisadeClient, 'send'>, sent };
}

/** The code the domain's parser gives the payload, or 'ok'. */
function parsed(input: CommandInput | OpaqueCommandInput): string {
  const result = parseTenantCommand(input.type, input.payload, { tenantId: TENANT, commandId: COMMAND, actor: alice });
  return result.ok ? 'ok' : result.rejection.code;
}

describe('PalisadeClient.send', () => {
  it('compiles a payload of its type\'s shape, which the processor accepts', async () => {
    const { client, sent } = recordingClient();
    await client.send({ tenantId: TENANT, actor: alice, type: 'AddMember', payload: { userId: 'bob', email: 'bob@example.com', role: 'member' } });
    await client.send({ tenantId: TENANT, actor: alice, type: 'ChangeRole', payload: { userId: 'bob', role: 'viewer' } });
    await client.send({ tenantId: TENANT, actor: alice, type: 'RemoveMember', payload: { userId: 'bob', reason: 'left' } });
    await client.send({ tenantId: TENANT, actor: alice, type: 'RotateTenantKey', payload: {} });
    expect(sent.map(parsed)).toStrictEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('does not compile a payload of the wrong shape, which the processor refuses', async () => {
    const { client, sent } = recordingClient();
    // @ts-expect-error a role that is no Role
    await client.send({ tenantId: TENANT, actor: alice, type: 'AddMember', payload: { userId: 'bob', email: 'bob@example.com', role: 'superuser' } });
    // @ts-expect-error a required field missing
    await client.send({ tenantId: TENANT, actor: alice, type: 'AddMember', payload: { userId: 'bob', role: 'member' } });
    // @ts-expect-error a field the type does not have
    await client.send({ tenantId: TENANT, actor: alice, type: 'ChangeRole', payload: { userId: 'bob', role: 'viewer', email: 'bob@example.com' } });
    // @ts-expect-error a number where a string belongs
    await client.send({ tenantId: TENANT, actor: alice, type: 'RemoveMember', payload: { userId: 42 } });
    // @ts-expect-error another command's payload
    await client.send({ tenantId: TENANT, actor: alice, type: 'DeleteProviderKey', payload: { userId: 'bob', role: 'viewer' } });
    // @ts-expect-error a misspelt command type
    await client.send({ tenantId: TENANT, actor: alice, type: 'AddMembers', payload: { userId: 'bob', email: 'bob@example.com', role: 'member' } });
    expect(sent.map(parsed)).toStrictEqual(['INVALID_ROLE', 'INVALID_PAYLOAD', 'INVALID_PAYLOAD', 'INVALID_USER_ID', 'INVALID_PAYLOAD', 'UNKNOWN_COMMAND_TYPE']);
  });

  it('sends JSON typed only as JsonObject as it is, for the processor to check', async () => {
    const { client, sent } = recordingClient();
    const relayed: JsonObject = JSON.parse('{"userId":"bob","email":"not-an-email","role":"member"}') as JsonObject;
    await client.send({ tenantId: TENANT, actor: alice, type: 'AddMember', payload: relayed });
    expect(sent.map(parsed)).toStrictEqual(['INVALID_EMAIL']);
  });
});
