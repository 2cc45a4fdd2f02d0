import { describe, expect, it } from 'vitest';
import { brokerProperties, randomClusterId } from '../../deploy/kafka/broker.ts';
import { TOPIC_MAX_MESSAGE_BYTES, palisadeTopics, topicNames } from '../../adapters/kafka/topics.ts';
import { DEAD_LETTER_MAX_KEY_BYTES, DEAD_LETTER_MAX_VALUE_BYTES } from '../../consumers/command-processor/dead-letter.ts';

function parse(properties: string): Record<string, string> {
  return Object.fromEntries(
    properties
      .split('\n')
      .filter((line) => line.includes('=') && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('brokerProperties', () => {
  it('configures one KRaft broker+controller on 127.0.0.1 with single-node replication', () => {
    const props = parse(brokerProperties({ logDir: '/d/kafka/data', port: 9092, controllerPort: 9093 }));
    expect(props).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:9093',
      listeners: 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:9092',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'min.insync.replicas': '1',
      'group.initial.rebalance.delay.ms': '0',
      'auto.create.topics.enable': 'false',
      'num.partitions': '6',
      'log.dirs': '/d/kafka/data',
    });
    expect(JSON.stringify(props)).not.toContain('localhost');
  });
});

describe('randomClusterId', () => {
  it('is 22 base64url characters and never starts with a dash', () => {
    for (let i = 0; i < 200; i++) expect(randomClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});

describe('palisadeTopics', () => {
  it('names the topics under the prefix', () => {
    expect(topicNames('dev.')).toEqual({
      commands: 'dev.palisade.commands',
      events: 'dev.palisade.events',
      results: 'dev.palisade.command-results',
      anchors: 'dev.palisade.anchors',
      deadLetter: 'dev.palisade.dead-letter',
    });
  });

  it('co-partitions commands, events and results; anchors have one partition; events are kept forever', () => {
    const specs = Object.fromEntries(palisadeTopics('', 8).map((spec) => [spec.name, spec]));
    expect(specs['palisade.commands']?.partitions).toBe(8);
    expect(specs['palisade.events']?.partitions).toBe(8);
    expect(specs['palisade.command-results']?.partitions).toBe(8);
    expect(specs['palisade.anchors']?.partitions).toBe(1);
    expect(specs['palisade.events']?.configs).toEqual({
      'cleanup.policy': 'delete',
      'retention.ms': '-1',
      'retention.bytes': '-1',
      'min.insync.replicas': '1',
      'max.message.bytes': '1048588',
    });
    expect(specs['palisade.commands']?.configs['retention.ms']).toBe('604800000');
    expect(specs['palisade.dead-letter']?.configs['retention.ms']).toBe('2592000000');
    expect(specs['palisade.anchors']?.configs['retention.ms']).toBe('-1');
  });

  it('sets one explicit record size limit on every topic, far above what a dead letter may carry', () => {
    for (const spec of palisadeTopics('', 2)) expect(spec.configs['max.message.bytes'], spec.name).toBe(String(TOPIC_MAX_MESSAGE_BYTES));
    expect(DEAD_LETTER_MAX_VALUE_BYTES + DEAD_LETTER_MAX_KEY_BYTES + 4096).toBeLessThan(TOPIC_MAX_MESSAGE_BYTES);
  });
});
