import { kafkaEndpoint } from '../deploy/config/kafka.ts';
import type { Command } from 'commander';
import { createKafka } from '../adapters/kafka/client.ts';
import { topicNames } from '../adapters/kafka/topics.ts';
import { isCanonicalUuid } from '../domain/validation.ts';
import { auditTenantLive } from '../audit/audit-live.ts';
import { exportTenant } from '../audit/export-tenant.ts';
import { openLiveAudit } from './audit-live-deps.ts';
import { loadTenantEvidence } from '../audit/pg-evidence.ts';
import { proveEvent } from '../audit/prove-event.ts';
import { describeAudit } from '../audit/describe.ts';
import { formatFailure } from '../audit/failures.ts';
import { chooseTrustedKeys } from '../audit/trusted-keys.ts';
import { loadConfig } from '../deploy/config/config.ts';
import { anchorAuditOptions } from '../deploy/config/anchors.ts';
import { spinner } from './progress.ts';

const collect = (value: string, previous: string[]) => [...previous, value];
const ANCHOR_KEY_HELP = 'trust anchors signed by this C2SP verifier key (repeatable); default: PALISADE_ANCHOR_VERIFIER_KEY, else the .pub file beside the anchor key file';

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('verify, export and prove tenant histories (for auditors)');

  audit
    .command('verify')
    .description('verify a tenant\'s hash chain from Kafka and every checkpoint against its signed anchor (signature, inclusion, consistency, immutable storage); exit 0 when all holds, 1 at the first failure')
    .requiredOption('--tenant <id>', 'tenant id (UUID)')
    .option('--anchor-key <verifier-key>', ANCHOR_KEY_HELP, collect, [])
    .option('--json', 'print one JSON object')
    .action(async (opts: { tenant: string; anchorKey: string[]; json?: boolean }) => {
      const tenantId = requireTenant(opts.tenant);
      const progress = opts.json ? undefined : spinner('verifying', 'events');
      const config = loadConfig();
      const live = openLiveAudit(config, anchorAuditOptions(config), { pinnedKeys: opts.anchorKey, onProgress: (n) => progress?.update(n) });
      try {
        const result = await auditTenantLive(live.deps, tenantId);
        progress?.stop(result.events);
        console.log(opts.json ? JSON.stringify(result) : result.events === 0 && result.ok ? `tenant ${tenantId}: no events` : describeAudit(result));
        process.exitCode = result.ok ? 0 : 1;
      } finally {
        await live.close();
      }
    });

  audit
    .command('export')
    .description('write a self-contained audit bundle to DIR: events.jsonl, checkpoints with proofs, signed anchors, keys, README (verify it with palisade-verify DIR)')
    .requiredOption('--tenant <id>', 'tenant id (UUID)')
    .requiredOption('--out <dir>', 'output directory')
    .option('--anchor-key <verifier-key>', ANCHOR_KEY_HELP, collect, [])
    .option('--json', 'print one JSON object')
    .action(async (opts: { tenant: string; out: string; anchorKey: string[]; json?: boolean }) => {
      const tenantId = requireTenant(opts.tenant);
      const config = loadConfig();
      const anchors = anchorAuditOptions(config);
      const live = openLiveAudit(config, anchors, { pinnedKeys: opts.anchorKey });
      try {
        const evidence = await loadTenantEvidence(live.deps.pool, tenantId);
        const keys = chooseTrustedKeys(live.deps.pinnedKeys, live.deps.keyFileVerifierKey, evidence.recordedKeys);
        // The keys this deployment vouches for, and every key recorded with the exported anchors.
        const verifierKeys = [...new Set([...keys.strings, ...evidence.recordedKeys])];
        const kafka = createKafka({ ...kafkaEndpoint(config, 'auditor'), clientId: 'palisade-audit' });
        const result = await exportTenant(kafka, topicNames(config.topicPrefix).events, tenantId, opts.out, {
          checkpoints: evidence.checkpoints, anchors: evidence.anchors, verifierKeys, origin: anchors.origin,
        });
        const summary = { tenantId, dir: opts.out, events: result.events, head: result.head, checkpoints: evidence.checkpoints.length, anchors: evidence.anchors.size };
        console.log(opts.json ? JSON.stringify(summary) : `exported ${result.events} events, ${summary.checkpoints} checkpoints and ${summary.anchors} anchors to ${opts.out}; verify with: palisade-verify ${opts.out}`);
      } finally {
        await live.close();
      }
    });

  audit
    .command('prove')
    .description('the inclusion proof of event SEQ in the tenant\'s latest checkpoint, verified, with that checkpoint\'s anchor')
    .requiredOption('--tenant <id>', 'tenant id (UUID)')
    .requiredOption('--seq <n>', 'event seq (1 = the first event)')
    .option('--anchor-key <verifier-key>', ANCHOR_KEY_HELP, collect, [])
    .option('--json', 'print one JSON object')
    .action(async (opts: { tenant: string; seq: string; anchorKey: string[]; json?: boolean }) => {
      const tenantId = requireTenant(opts.tenant);
      const seq = Number(opts.seq);
      if (!/^[1-9][0-9]*$/.test(opts.seq) || !Number.isSafeInteger(seq)) throw new Error(`--seq must be a positive integer, got '${opts.seq}'`);
      const config = loadConfig();
      const live = openLiveAudit(config, anchorAuditOptions(config), { pinnedKeys: opts.anchorKey });
      try {
        const result = await proveEvent(live.deps, tenantId, seq);
        if (opts.json) console.log(JSON.stringify(result));
        else if (!result.ok) console.log(formatFailure(tenantId, result.failure));
        else {
          const c = result.checkpoint;
          console.log(
            `${result.verified ? 'OK' : 'FAIL'} event seq ${seq} (hash ${result.eventHash}) is leaf ${result.leafIndex} of tenant ${tenantId}'s tree of size ${c.size}\n` +
              `  root ${c.root}, anchored in anchor ${c.anchorSeq} at leaf ${c.leafIndex} (${c.inclusion.length}-hash proof)\n` +
              `  inclusion proof (${result.proof.length} hashes, RFC 6962 §2.1.1, deepest first):\n${result.proof.map((h) => `    ${h}`).join('\n')}`,
          );
        }
        process.exitCode = result.ok && result.verified ? 0 : 1;
      } finally {
        await live.close();
      }
    });
}

function requireTenant(value: string): string {
  if (!isCanonicalUuid(value)) throw new Error(`--tenant must be a lowercase canonical UUID, got '${value}'`);
  return value;
}
