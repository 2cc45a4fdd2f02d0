// Verifies an export bundle offline (`palisade-verify DIR`): no Kafka, no Postgres, no network.
// Pass 1: every checkpoint against its anchor (signature by a trusted key, inclusion, consistency
// with the previous checkpoint, the anchor bytes against their storage receipt, and, given a copy
// of the write-once directory, against storage itself). Pass 2: events.jsonl through the chain
// and the tenant's tree, matched against every checkpoint. Reports the first failure.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BundleError } from '../errors.ts';
import { parseVerifierKey } from '../../crypto/note.ts';
import { FsAnchorStore } from '../../adapters/storage/fs-store.ts';
import { verifyAnchorEvidence } from '../anchor-evidence.ts';
import { EventTreeChecker } from '../event-tree-check.ts';
import type { AuditFailure } from '../failures.ts';
import { anchorShapeProblem } from '../record-shapes.ts';
import type { AnchorRecord } from '../../domain/merkle/anchor-records.ts';
import { type TenantAudit, auditResult } from '../tenant-audit.ts';
import { type AnchorIndexLine, type BundleManifest, BUNDLE_FILES, BUNDLE_FORMAT } from './format.ts';
import { checkEventLines } from './check-lines.ts';
import { verifyEventsInParallel } from './parallel-verify.ts';

export interface BundleVerifyOptions {
  /** Verifier key strings the auditor trusts; without them, the bundle's own keys are used. */
  readonly pinnedKeys?: readonly string[];
  /** A copy of the write-once anchor directory, to compare each anchor with storage itself. */
  readonly anchorStoreDir?: string;
  readonly onProgress?: (events: number) => void;
  /** Worker threads hashing events in parallel (parallel-verify.ts); 1 (default) verifies in this thread. */
  readonly jobs?: number;
  /** Bytes of events.jsonl per worker task (parallel-verify.ts); tests make it small. */
  readonly chunkBytes?: number;
}

export async function verifyBundle(dir: string, options: BundleVerifyOptions = {}): Promise<TenantAudit> {
  const manifest = readManifest(dir);
  const tenantId = manifest.tenantId;
  const pinned = options.pinnedKeys ?? [];
  const keys = (pinned.length > 0 ? pinned : readLinesOf(join(dir, BUNDLE_FILES.keys))).map(parseVerifierKey);
  const base = { tenantId, keySource: pinned.length > 0 ? ('pinned' as const) : ('bundle' as const), storageChecked: options.anchorStoreDir !== undefined, total: 0, unpublished: 0 };

  const checkpoints: unknown[] = [];
  const lineFailure = readJsonLines(join(dir, BUNDLE_FILES.checkpoints), (value) => checkpoints.push(value), 'CHECKPOINT_MALFORMED');
  if (lineFailure !== null) return auditResult(base, 0, { seq: 0, hash: '' }, [], 0, lineFailure);
  const anchors = readAnchors(dir);
  if (!(anchors instanceof Map)) return auditResult({ ...base, total: checkpoints.length }, 0, { seq: 0, hash: '' }, [], 0, anchors);

  const store = options.anchorStoreDir === undefined ? undefined : new FsAnchorStore(options.anchorStoreDir);
  const verdict = await verifyAnchorEvidence({
    tenantId, checkpoints, anchors, trustedKeys: keys,
    ...(store === undefined ? {} : { checkStorage: (anchor: AnchorRecord) => store.inspect(anchor.storage) }),
  });
  const withTotal = { ...base, total: checkpoints.length };
  if (!verdict.ok) return auditResult(withTotal, 0, { seq: 0, hash: '' }, [], 0, verdict.failure);

  const file = join(dir, BUNDLE_FILES.events);
  let checker: EventTreeChecker;
  let events = 0;
  if ((options.jobs ?? 1) > 1) {
    ({ checker, events } = await verifyEventsInParallel(file, tenantId, verdict.checkpoints, {
      jobs: options.jobs!,
      ...(options.chunkBytes === undefined ? {} : { chunkBytes: options.chunkBytes }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    }));
  } else {
    checker = new EventTreeChecker(tenantId, verdict.checkpoints);
    await checkEventLines(file, checker, { onEvent: () => (++events & 0xffff) === 0 && options.onProgress?.(events) });
  }
  options.onProgress?.(events);
  const failure = checker.finish();
  return auditResult(withTotal, events, checker.head, verdict.checkpoints, checker.checkpointsMatched, failure ?? undefined);
}

export function readManifest(dir: string): BundleManifest {
  const file = join(dir, BUNDLE_FILES.manifest);
  if (!existsSync(file)) throw new BundleError(`${dir} is not an audit bundle: ${BUNDLE_FILES.manifest} is missing`);
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as BundleManifest;
  if (manifest.format !== BUNDLE_FORMAT) throw new BundleError(`${file}: format "${String(manifest.format)}" is not ${BUNDLE_FORMAT}`);
  for (const name of [BUNDLE_FILES.events, BUNDLE_FILES.checkpoints, BUNDLE_FILES.anchorIndex, BUNDLE_FILES.keys]) {
    if (!existsSync(join(dir, name))) throw new BundleError(`${dir}: ${name} is missing`);
  }
  return manifest;
}

function readLinesOf(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
}

function readJsonLines(file: string, onValue: (value: unknown) => void, code: AuditFailure['code']): AuditFailure | null {
  const lines = readFileSync(file, 'utf8').split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim().length === 0) continue;
    try {
      onValue(JSON.parse(line));
    } catch {
      return { code, expected: 'a JSON object', actual: line.slice(0, 80), message: `${file} line ${i + 1} is not JSON` };
    }
  }
  return null;
}

/** The anchors of anchors/index.jsonl with their note files, or the first malformed one. */
function readAnchors(dir: string): Map<number, AnchorRecord> | AuditFailure {
  const anchors = new Map<number, AnchorRecord>();
  const lines: unknown[] = [];
  const failure = readJsonLines(join(dir, BUNDLE_FILES.anchorIndex), (value) => lines.push(value), 'ANCHOR_MALFORMED');
  if (failure !== null) return failure;
  for (const value of lines) {
    const line = value as AnchorIndexLine;
    const file = typeof line?.file === 'string' && /^anchors\/[0-9]{12}\.note$/.test(line.file) ? join(dir, line.file) : undefined;
    const note = file !== undefined && existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    const record = { seq: line?.seq, note, storage: line?.storage };
    const problem = anchorShapeProblem(record);
    if (problem !== null) {
      const seq = Number.isSafeInteger(line?.seq) ? line.seq : undefined;
      return { code: 'ANCHOR_MALFORMED', ...(seq === undefined ? {} : { anchorSeq: seq }), expected: 'an anchor with its note file', actual: problem, message: `anchors/index.jsonl: anchor ${seq ?? '?'}: ${problem}` };
    }
    anchors.set(line.seq, record as AnchorRecord);
  }
  return anchors;
}
