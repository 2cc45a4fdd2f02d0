// Commands a service sends on its own behalf, never a user: a model's reply, a legacy secret
// re-sealed. A producer key may send them only when its registration lists them by name; a key
// registered without a command list may send user commands only (docs/spec.md, "Authentication
// and authorization").
export const SERVICE_COMMAND_TYPES: readonly string[] = Object.freeze(['RecordAssistantReply', 'ResealLegacySecret']);

/** The actor kinds a producer key can be allowed to claim. `system` is the processor's alone. */
export const PRODUCER_ACTOR_KINDS = ['user', 'service'] as const;
export type ProducerActorKind = (typeof PRODUCER_ACTOR_KINDS)[number];
