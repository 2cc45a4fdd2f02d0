// The few lines `npm start` ends its start-up with: where things are and what to do next,
// instead of a wall of JSON. Never a password: the database URL is shown without its credentials.
import { join } from 'node:path';

export interface StartSummaryInput {
  readonly services: readonly string[];
  readonly brokers: readonly string[];
  readonly topicPrefix: string;
  readonly databaseUrl: string;
  readonly postgresMode: string;
  readonly dataDir: string;
}

/** `postgres://user:secret@host:port/db?x` → `host:port/db` (no user, no password, no options). */
export function databaseAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

export function startSummary(input: StartSummaryInput): string {
  const rows: Array<[string, string]> = [
    ['kafka', `${input.brokers.join(',')} (topics ${input.topicPrefix}palisade.*)`],
    ['postgres', `${databaseAddress(input.databaseUrl)} (${input.postgresMode})`],
    ['keys', `${join(input.dataDir, 'keys')} (development keys of this local stack)`],
    ['next', 'npx palisade demo · npx palisade projections status · npx palisade stack status'],
    ['stop', 'Ctrl-C stops the services gracefully; then npx palisade stack down'],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return [`Palisade is running: ${input.services.join(', ')}`, ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)].join('\n');
}
