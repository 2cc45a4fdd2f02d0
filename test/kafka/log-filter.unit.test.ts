// A normal start of the stack must not print errors: kafkajs's retriable coordinator answers go
// to debug, while a real failure (an authorization refusal, a dropped connection) stays an error.
import { describe, expect, it } from 'vitest';
import { createKafka } from '../../adapters/kafka/client.ts';
import { isTransientResponseError } from '../../adapters/kafka/log-filter.ts';

function sink() {
  const lines: Record<'debug' | 'warn' | 'error', string[]> = { debug: [], warn: [], error: [] };
  const record = (level: keyof typeof lines) => (obj: object, msg: string) => void lines[level].push(`${msg} ${JSON.stringify(obj)}`);
  return { lines, log: { debug: record('debug'), warn: record('warn'), error: record('error') } };
}

describe('kafkajs log lines', () => {
  it.each([
    ['The group coordinator is not available', true],
    ["The coordinator is loading and hence can't process requests for this group", true],
    ['There is no leader for this topic-partition as we are in the middle of a leadership election', true],
    ['Not authorized to access topics: [Topic authorization failed]', false],
    ['The producer attempted to use a producer id which is not currently assigned to its transactional id', false],
  ])('a failed response "%s" is transient: %s', (error, transient) => {
    expect(isTransientResponseError({ message: 'Response FindCoordinator(key: 10, version: 2)', error })).toBe(transient);
  });

  it('only failed responses qualify, not connection errors', () => {
    expect(isTransientResponseError({ message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092', error: 'The group coordinator is not available' })).toBe(false);
  });

  it('the client logs a coordinator still starting at debug, and a real refusal as an error', () => {
    const { lines, log } = sink();
    const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'log-test' }, log);
    kafka.logger().error('Response GroupCoordinator(key: 10, version: 2)', { error: 'The group coordinator is not available' });
    kafka.logger().error('Response Produce(key: 0, version: 7)', { error: 'Not authorized to access topics: [Topic authorization failed]' });
    expect(lines.debug).toHaveLength(1);
    expect(lines.debug[0]).toContain('coordinator is not available');
    expect(lines.error).toHaveLength(1);
    expect(lines.error[0]).toContain('Not authorized');
  });
});
