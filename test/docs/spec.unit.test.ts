// docs/spec.md is the contract, so the parts of it that the code also states are checked against
// the code: the section titles code comments cite, the complete lists of rejection and
// dead-letter codes, and the hash-chain example. (The signing example: test/crypto/signing-vector.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AUTHENTICATION_CODES, DeadLetterCode, ProcessorCode, UNCHAINED_AUTHENTICATION_CODES } from '../../consumers/command-processor/errors.ts';
import { canonicalEventText, eventHash } from '../../domain/chain/event-hash.ts';
import { REJECTION_CODES, isAuthorizationCode, type RejectionCode } from '../../domain/errors.ts';
import type { HashedEvent } from '../../domain/logical.ts';
import { fencedBlocks, labelOf, labelledTable, readDoc, unquote } from './markdown.ts';

const SPEC = readDoc('docs/spec.md');

describe('docs/spec.md', () => {
  it('has the sections that code and docs cite, by these exact titles', () => {
    const titles = SPEC.split('\n').filter((line) => line.startsWith('## ')).map((line) => line.slice(3));
    expect(titles).toStrictEqual([
      'Who uses it',
      'Kafka topics',
      'Single writer, exactly once',
      'Event envelope and the hash chain',
      'Commands',
      'Authentication and authorization',
      'Merkle trees and anchors',
      'Read models and Row-Level Security',
      'Credentials and keys',
      'Chat turns',
      'Operational conventions',
    ]);
  });

  it('lists every domain rejection code, and exactly those in the chain are authorization refusals', () => {
    const rows = labelledTable(SPEC, 'codes:domain');
    expect(rows.map(([code]) => unquote(code!))).toStrictEqual([...REJECTION_CODES]);
    for (const [cell, kind, inChain] of rows) {
      const code = unquote(cell!) as RejectionCode;
      const validation = code.startsWith('INVALID_') || code === 'UNKNOWN_COMMAND_TYPE';
      expect(kind, code).toBe(validation ? 'validation' : isAuthorizationCode(code) ? 'authorization' : 'business rule');
      expect(inChain, code).toBe(isAuthorizationCode(code) ? 'yes' : 'no');
    }
  });

  it('lists every processor code, and exactly the authentication refusals of a verified key are in the chain', () => {
    const rows = labelledTable(SPEC, 'codes:processor');
    expect(rows.map(([code]) => unquote(code!))).toStrictEqual(Object.values(ProcessorCode));
    const chained = (code: string) => AUTHENTICATION_CODES.has(code) && !UNCHAINED_AUTHENTICATION_CODES.has(code);
    for (const [code, , inChain] of rows) expect(inChain, code).toBe(chained(unquote(code!)) ? 'yes' : 'no');
  });

  it('lists every dead-letter code', () => {
    expect(labelledTable(SPEC, 'codes:dead-letter').map(([code]) => unquote(code!))).toStrictEqual(Object.values(DeadLetterCode));
  });

  it('shows the first golden event with its canonical text and hash', () => {
    const first = JSON.parse(readFileSync(new URL('../fixtures/vectors/events.jsonl', import.meta.url), 'utf8').split('\n')[0]!) as HashedEvent;
    const blocks = fencedBlocks(SPEC);
    expect(blocks.find((b) => labelOf(b, 'jcs') === 'events.jsonl#1')?.content).toBe(canonicalEventText(first));
    expect(blocks.find((b) => labelOf(b, 'hash') === 'events.jsonl#1')?.content).toBe(first.hash);
    expect(eventHash(first)).toBe(first.hash);
  });
});
