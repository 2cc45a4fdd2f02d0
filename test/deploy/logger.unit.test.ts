import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../adapters/logger.ts';

function capture(): { lines: () => Array<Record<string, unknown>>; destination: { write: (line: string) => void } } {
  const raw: string[] = [];
  return {
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
    destination: { write: (line: string) => void raw.push(line) },
  };
}

describe('createLogger', () => {
  it('redacts secrets at the top level and nested, and keeps other fields', () => {
    const out = capture();
    const log = createLogger({ name: 'test', destination: out.destination });
    log.info(
      {
        password: 'hunter2',
        request: { token: 't0k', apiKey: 'sk-ant-123', tenantId: 'acme' },
        key: { privateKey: 'pk', signature: 'sig', secret: 's' },
        keyId: 'gateway-1',
      },
      'hello',
    );
    const [line] = out.lines();
    expect(line).toMatchObject({
      name: 'test',
      msg: 'hello',
      password: '[redacted]',
      request: { token: '[redacted]', apiKey: '[redacted]', tenantId: 'acme' },
      key: { privateKey: '[redacted]', signature: '[redacted]', secret: '[redacted]' },
      keyId: 'gateway-1',
    });
    expect(JSON.stringify(line)).not.toMatch(/hunter2|t0k|sk-ant-123|"pk"|"sig"/);
  });

  it('respects the level', () => {
    const out = capture();
    const log = createLogger({ name: 'test', level: 'warn', destination: out.destination });
    log.info('dropped');
    log.warn('kept');
    expect(out.lines().map((l) => l['msg'])).toEqual(['kept']);
  });

  it('renders pretty lines for a terminal, still without a secret', () => {
    const raw: string[] = [];
    const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => (raw.push(chunk.toString()), done()) });
    const log = createLogger({ name: 'test', format: 'pretty', destination });
    log.info({ service: 'projector', password: 'hunter2', request: { token: 't0k' }, tenantId: 'acme' }, 'partitions assigned');
    const text = raw.join('');
    expect(text).toMatch(/INFO.*\[projector\] partitions assigned/);
    expect(text).toContain('acme');
    expect(text).not.toMatch(/hunter2|t0k/);
    expect(() => JSON.parse(text)).toThrow();
  });
});
