import { describe, expect, it } from 'vitest';
import { databaseAddress, startSummary } from '../../cli/start-summary.ts';

describe('the start-up summary', () => {
  const summary = startSummary({
    services: ['command-processor', 'projector'],
    brokers: ['127.0.0.1:9092'],
    topicPrefix: 'dev.',
    databaseUrl: 'postgres://postgres:s3cr3t-pw@127.0.0.1:54329/palisade?sslmode=disable',
    postgresMode: 'embedded',
    dataDir: '/srv/palisade/.palisade',
  });

  it('says what runs and where the broker, database and keys are', () => {
    expect(summary.split('\n')[0]).toBe('Palisade is running: command-processor, projector');
    expect(summary).toMatch(/kafka\s+127\.0\.0\.1:9092 \(topics dev\.palisade\.\*\)/);
    expect(summary).toMatch(/postgres\s+127\.0\.0\.1:54329\/palisade \(embedded\)/);
    expect(summary).toContain('/srv/palisade/.palisade/keys');
    expect(summary).toContain('Ctrl-C');
  });

  it('never shows the database password or login', () => {
    expect(summary).not.toMatch(/s3cr3t-pw|postgres:|sslmode/);
  });

  it('strips credentials from any database URL', () => {
    expect(databaseAddress('postgresql://analyst:pw@db.internal:6432/prod')).toBe('db.internal:6432/prod');
    expect(databaseAddress('not a url :pw@')).not.toContain('pw');
  });
});
