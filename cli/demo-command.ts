import { kafkaEndpoint } from '../deploy/config/kafka.ts';
import type { Command } from 'commander';
import { stackUp } from '../deploy/stack.ts';
import { loadConfig, type AppConfig } from '../deploy/config/config.ts';
import { createLogger } from '../adapters/logger.ts';
import { createKafka } from '../adapters/kafka/client.ts';
import { groupHasMembers } from '../adapters/kafka/groups.ts';
import { topicNames } from '../adapters/kafka/topics.ts';
import { processorOptions } from '../deploy/config/services.ts';
import { startProcessor, type Service } from './services.ts';
import { runDemoScenario } from './demo-scenario.ts';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('a guided scenario: two tenants, members, a forged cross-tenant command refused, chains verified (starts the stack and a processor if none runs)')
    .action(async () => {
      await stackUp();
      const { ok } = await runDemo(loadConfig(), (line) => console.log(line));
      process.exitCode = ok ? 0 : 1;
    });
}

export async function runDemo(config: AppConfig, say: (line: string) => void): Promise<{ ok: boolean }> {
  const kafka = createKafka({ ...kafkaEndpoint(config, 'auditor'), clientId: 'palisade-demo' });
  let own: Service | undefined;
  if (!(await groupHasMembers(kafka, processorOptions(config).groupId))) {
    say('(no command processor is running: starting one in this process for the demo)');
    own = await startProcessor(config, createLogger({ name: 'palisade', level: 'warn' }));
  }
  try {
    return await runDemoScenario({ kafka, producerKafka: kafkaEndpoint(config, 'producer'), topics: topicNames(config.topicPrefix), databaseUrl: config.databaseUrl, say });
  } finally {
    await own?.stop();
  }
}
