// The sequential pass over events.jsonl (or a byte range of it): each line through the checker.
// Returns false from the line callback at the first failure, so reading stops there.
import { validateHashedEvent } from '../../domain/chain/validate-event.ts';
import type { EventTreeChecker } from '../event-tree-check.ts';
import { parseEventLine } from './event-lines.ts';
import { type LineRange, forEachLine } from './lines.ts';

export async function checkEventLines(file: string, checker: EventTreeChecker, options: { range?: LineRange; onEvent?: () => void } = {}): Promise<void> {
  await forEachLine(file, (line, lineNumber) => {
    if (line.length === 0) return true;
    options.onEvent?.();
    const where = `events.jsonl line ${lineNumber}`;
    const parsed = parseEventLine(line);
    if (!parsed.ok) {
      checker.pushUnreadable('MALFORMED_EVENT', where, parsed.problem === 'not JSON' ? 'not JSON' : validateHashedEvent(safeParse(line)) ?? parsed.problem);
      return false;
    }
    let failed: boolean;
    try {
      failed = checker.push(parsed.event, parsed.event.hash) !== null;
    } catch {
      failed = true; // a value with no RFC 8785 form (domain/chain/jcs.ts): malformed, named below
    }
    if (failed) {
      const shape = validateHashedEvent(safeParse(line));
      if (shape !== null) checker.replaceFailure('MALFORMED_EVENT', where, shape);
      return false;
    }
    return true;
  }, options.range);
}

function safeParse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
