// Options of the local stack (`palisade stack up|down|status`). deploy/config/stack.ts reads
// them from the environment.

export interface StackOptions {
  readonly dataDir: string;
  /** Kafka PLAINTEXT port; the KRaft controller listens on kafkaPort + 1. */
  readonly kafkaPort: number;
  readonly pgPort: number;
  readonly partitions: number;
  readonly topicPrefix: string;
  /** DATABASE_URL: use that server instead of starting the embedded one. */
  readonly externalDatabaseUrl: string | undefined;
  /** JAVA_HOME: its bin/java runs the broker; `java` on PATH when unset. */
  readonly javaHome: string | undefined;
  /** The anchor signing key file the environment names; `<data dir>/keys/anchor.json` when unset. */
  readonly anchorKeyFile: string | undefined;
  /** The variable that names the master key, when one is set: then no development key is made. */
  readonly masterKeyVariable: string | undefined;
}
