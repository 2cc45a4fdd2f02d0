// Writes everything of a bundle but events.jsonl (audit/export-tenant.ts streams that): the
// checkpoints with their proofs, the signed anchors exactly as published, the verifier keys, the
// manifest and the auditor's README.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnchorRecord, CheckpointRecord } from '../../domain/merkle/anchor-records.ts';
import { type AnchorIndexLine, type BundleManifest, BUNDLE_FILES, BUNDLE_FORMAT, anchorNoteFile } from './format.ts';

const AUDITOR_README = fileURLToPath(new URL('./AUDITOR-README.md', import.meta.url));

export interface BundleEvidence {
  readonly checkpoints: readonly CheckpointRecord[];
  readonly anchors: ReadonlyMap<number, AnchorRecord>;
  readonly verifierKeys: readonly string[];
  readonly origin: string | null;
}

export function writeBundleEvidence(
  outDir: string,
  tenantId: string,
  exported: { events: number; head: { seq: number; hash: string } },
  evidence: BundleEvidence,
  now: Date = new Date(),
): BundleManifest {
  const file = (name: string) => {
    const path = join(outDir, name);
    mkdirSync(dirname(path), { recursive: true });
    return path;
  };
  writeFileSync(file(BUNDLE_FILES.checkpoints), evidence.checkpoints.map((c) => `${JSON.stringify(orderedCheckpoint(c))}\n`).join(''));
  const index: AnchorIndexLine[] = [];
  for (const anchor of [...evidence.anchors.values()].sort((a, b) => a.seq - b.seq)) {
    const note = anchorNoteFile(anchor.seq);
    writeFileSync(file(note), anchor.note, 'utf8');
    index.push({ seq: anchor.seq, file: note, storage: anchor.storage });
  }
  writeFileSync(file(BUNDLE_FILES.anchorIndex), index.map((line) => `${JSON.stringify(line)}\n`).join(''));
  writeFileSync(file(BUNDLE_FILES.keys), evidence.verifierKeys.map((key) => `${key}\n`).join(''));
  copyFileSync(AUDITOR_README, file(BUNDLE_FILES.readme));
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT, tenantId, exportedAt: now.toISOString(), events: exported.events, head: exported.head,
    checkpoints: evidence.checkpoints.length, anchors: evidence.anchors.size, origin: evidence.origin,
  };
  writeFileSync(file(BUNDLE_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function orderedCheckpoint(c: CheckpointRecord): CheckpointRecord {
  return {
    tenantId: c.tenantId, size: c.size, root: c.root, anchorSeq: c.anchorSeq, leafIndex: c.leafIndex, inclusion: c.inclusion,
    previousSize: c.previousSize, consistency: c.consistency,
  };
}
