// Payload shapes of the tenant aggregate. These are the `payload` objects of the logical
// command and event JSON (DESIGN.md "Event envelope"), field for field; the Avro schemas in
// schemas/commands and schemas/events mirror them. Optional fields are absent, never null.

export type Role = 'owner' | 'admin' | 'member' | 'viewer';
export const ROLES: readonly Role[] = ['owner', 'admin', 'member', 'viewer'];

export interface UserRef {
  readonly userId: string;
  readonly email: string;
}

// Commands (imperative)
export interface CreateTenantData { readonly name: string; readonly owner: UserRef }
export interface AddMemberData { readonly userId: string; readonly email: string; readonly role: Role }
export interface ChangeRoleData { readonly userId: string; readonly role: Role }
export interface RemoveMemberData { readonly userId: string; readonly reason?: string }
export interface DeleteTenantData { readonly reason?: string }

// Events (past tense)
export interface TenantCreatedData { readonly name: string; readonly owner: UserRef }
export interface MemberAddedData { readonly userId: string; readonly email: string; readonly role: Role }
export interface MemberRoleChangedData { readonly userId: string; readonly from: Role; readonly to: Role }
export interface MemberRemovedData { readonly userId: string; readonly reason?: string }
export interface TenantDeletedData { readonly reason?: string }
/** An authorization refusal, recorded in the target tenant's chain (DESIGN.md "Commands"). */
export interface CommandRejectedData {
  readonly commandType: string;
  readonly code: string;
  readonly claimedActor: { readonly kind: string; readonly id: string };
  readonly producerKeyId?: string;
}
