// Who talks to Kafka: one principal per Palisade service (docs/producers.md, docs/spec.md
// "Kafka principals"). The local stack creates one SCRAM login per role; an external cluster
// names its own users (deploy/config/kafka.ts).

/**
 * admin: creates topics and ACLs (`palisade stack up` only; the broker's own principal and the
 * only super user). processor: reads commands, writes events, results and dead letters.
 * producer: writes commands, reads results. projector / anchorer / auditor: read events
 * (the anchorer also writes anchors, the auditor reads them). chat-worker: reads events and
 * writes commands like a producer.
 */
export const KAFKA_ROLES = ['admin', 'processor', 'producer', 'projector', 'anchorer', 'chat-worker', 'auditor'] as const;
export type KafkaRole = (typeof KAFKA_ROLES)[number];

/** The local stack's SASL user name of `role`. */
export function localKafkaUser(role: KafkaRole): string {
  return `palisade-${role}`;
}
