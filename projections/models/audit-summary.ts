// The one-line summary and the target of an audit row. Built from an allow-list of fields per
// event type: free text (reasons) and anything secret-bearing never reaches the audit log, and
// an event type this code does not know yet is summarised by its type alone. Pure.
import type { LogicalEvent } from '../../schemas/logical.ts';

export interface AuditText {
  readonly target: string | null;
  readonly summary: string;
}

function field(source: unknown, key: string): string {
  const value = (source as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'string' ? value : '?';
}

function optional(source: unknown, key: string): string | null {
  const value = (source as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'string' ? value : null;
}

export function auditText(event: LogicalEvent): AuditText {
  const p = event.payload;
  switch (event.type) {
    case 'TenantCreated':
      return { target: optional(p['owner'], 'userId'), summary: `tenant "${field(p, 'name')}" created with owner ${field(p['owner'], 'userId')}` };
    case 'MemberAdded':
      return { target: optional(p, 'userId'), summary: `member ${field(p, 'userId')} added as ${field(p, 'role')}` };
    case 'MemberRoleChanged':
      return { target: optional(p, 'userId'), summary: `member ${field(p, 'userId')} role changed from ${field(p, 'from')} to ${field(p, 'to')}` };
    case 'MemberRemoved':
      return { target: optional(p, 'userId'), summary: `member ${field(p, 'userId')} removed${typeof p['reason'] === 'string' ? ' (reason given)' : ''}` };
    case 'TenantDeleted':
      return { target: null, summary: `tenant deleted${typeof p['reason'] === 'string' ? ' (reason given)' : ''}` };
    case 'CommandRejected': {
      const claimed = p['claimedActor'];
      return {
        target: null,
        summary: `${field(p, 'commandType')} refused: ${field(p, 'code')} (claimed actor ${field(claimed, 'kind')}:${field(claimed, 'id')}` +
          `${typeof p['producerKeyId'] === 'string' ? `, producer key ${p['producerKeyId']}` : ''})`,
      };
    }
    default:
      return { target: null, summary: `${event.type} (v${event.schemaVersion})` };
  }
}
