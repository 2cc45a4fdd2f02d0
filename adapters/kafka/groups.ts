import type { Kafka } from 'kafkajs';

/** Whether any consumer is currently a member of the group (e.g. a running processor). */
export async function groupHasMembers(kafka: Kafka, groupId: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return (groups[0]?.members.length ?? 0) > 0;
  } finally {
    await admin.disconnect();
  }
}

/** The group's committed offset per partition of `topic` (partitions without one are absent). */
export async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((entry?.partitions ?? []).filter((p) => p.offset !== '-1').map((p) => [p.partition, p.offset]));
  } finally {
    await admin.disconnect();
  }
}

/** Deletes a throwaway consumer group once its consumer stopped; an empty group expires on its own, so failing here is harmless. */
export async function deleteGroupQuietly(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
  } catch {
    // Nothing to do: the group expires after offsets.retention.minutes.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
