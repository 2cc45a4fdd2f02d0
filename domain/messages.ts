// Message shapes shared by every aggregate (STYLE.md §3): tagged unions { type, data }.
// Pure types only; the envelope (seq, hashes, ids, time) is added by the command processor.

export type ActorKind = 'user' | 'service' | 'system';
export interface Actor {
  readonly kind: ActorKind;
  readonly id: string;
}

/** What the processor knows about a command besides its payload; time and ids come in here. */
export interface CommandMetadata {
  readonly tenantId: string;
  readonly commandId: string;
  readonly actor: Actor;
}

export interface Command<Type extends string, Data> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata: CommandMetadata;
}

export interface DomainEvent<Type extends string, Data> {
  readonly type: Type;
  readonly data: Data;
}
