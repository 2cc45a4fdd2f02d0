// The run-time check of every statement the projector wrapper runs across tenants. Such a
// statement runs as the writer role, whose policies let it touch any tenant's rows, so it must
// say which tenants it means: a WHERE clause with `tenant_id = any($1::uuid[])`, where $1 is
// the explicit, non-empty list of tenant ids the wrapper passes and records. The check reads
// the statement with comments, string literals and quoted identifiers blanked out, so a filter
// that only appears inside one of them does not count. Pure: no I/O.
import { isCanonicalUuid } from '../../domain/validation.ts';
import { ProjectionError } from '../errors.ts';

export interface BypassStatement {
  /** What the statement is for, recorded with each use (e.g. `members.upsert`). */
  readonly reason: string;
  /** The explicit tenant filter: bound to $1 as uuid[]. */
  readonly tenants: readonly string[];
  /** SQL whose WHERE clause contains `tenant_id = any($1::uuid[])`; $2… are `values`. */
  readonly text: string;
  readonly values?: readonly unknown[];
}

export const TENANT_FILTER = /\btenant_id\s*=\s*any\s*\(\s*\$1\s*::\s*uuid\s*\[\s*\]\s*\)/i;
const REASON = /^[a-z][a-z0-9_.:-]{0,63}$/;
const DML = /^(insert|update|delete)\b/i;

/**
 * `sql` with comments and string literals blanked and quoted identifiers turned into runs of
 * "x" (same length, so positions still line up).
 */
export function maskSql(sql: string, options: { keepIdentifiers?: boolean } = {}): string {
  let out = '';
  let i = 0;
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  while (i < sql.length) {
    const rest = sql.slice(i);
    let m: RegExpExecArray | null;
    if (rest.startsWith('--')) {
      const end = rest.indexOf('\n');
      const len = end < 0 ? rest.length : end;
      out += blank(rest.slice(0, len));
      i += len;
    } else if (rest.startsWith('/*')) {
      // Block comments nest in PostgreSQL.
      let depth = 0;
      let j = 0;
      while (j < rest.length) {
        if (rest.startsWith('/*', j)) { depth++; j += 2; }
        else if (rest.startsWith('*/', j)) { depth--; j += 2; if (depth === 0) break; }
        else j++;
      }
      out += blank(rest.slice(0, j));
      i += j;
    } else if ((m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(rest)) !== null && !/[\w$]/.test(sql[i - 1] ?? '')) {
      const tag = m[0];
      const end = rest.indexOf(tag, tag.length);
      const len = end < 0 ? rest.length : end + tag.length;
      out += blank(rest.slice(0, len));
      i += len;
    } else if (rest[0] === "'" || rest[0] === '"') {
      const quote = rest[0];
      const mask = quote === "'" ? blank : options.keepIdentifiers === true ? (t: string) => t : (t: string) => 'x'.repeat(t.length);
      const escapes = quote === "'" && /[eE]/.test(sql[i - 1] ?? '') && !/[\w$]/.test(sql[i - 2] ?? '');
      let j = 1;
      while (j < rest.length) {
        if (escapes && rest[j] === '\\') j += 2;
        else if (rest[j] === quote && rest[j + 1] === quote) j += 2;
        else if (rest[j] === quote) { j++; break; }
        else j++;
      }
      out += mask(rest.slice(0, j));
      i += j;
    } else {
      out += sql[i];
      i++;
    }
  }
  return out;
}

/** Parenthesis depth at each position of masked SQL. */
function depths(code: string): number[] {
  const out: number[] = [];
  let depth = 0;
  for (const ch of code) {
    if (ch === ')') depth = Math.max(0, depth - 1);
    out.push(depth);
    if (ch === '(') depth++;
  }
  return out;
}

const CLAUSE_END = /\b(on\s+conflict|returning|group\s+by|order\s+by|limit|offset|having|window|for\s+(update|share|no\s+key|key))\b/gi;

/** For UPDATE and DELETE, the names the target table goes by (its alias, or its own name). */
function targetNames(code: string): string[] | undefined {
  const m = /^(?:update|delete\s+from)\s+(?:only\s+)?((?:\w+\s*\.\s*)*(\w+))(?:\s+(?:as\s+)?(?!set\b|where\b|using\b)(\w+))?/i.exec(code);
  if (m === null || /^insert\b/i.test(code)) return undefined;
  return [m[2]!.toLowerCase(), ...(m[3] === undefined ? [] : [m[3].toLowerCase()])];
}

/**
 * True when the statement's top-level WHERE clause has the tenant filter as one of its AND
 * terms: not inside parentheses, not negated, not beside an OR that could widen it, and for
 * UPDATE / DELETE on the target table itself (not on a joined source).
 */
export function hasTenantFilterTerm(code: string): boolean {
  const depth = depths(code);
  const topLevel = (index: number) => depth[index] === 0;
  const where = [...code.matchAll(/\bwhere\b/gi)].find((m) => topLevel(m.index));
  if (where === undefined) return false;
  const start = where.index + where[0].length;
  const end = [...code.matchAll(CLAUSE_END)].find((m) => m.index > start && topLevel(m.index))?.index ?? code.length;
  const clause = code.slice(start, end);
  const at = (i: number) => start + i;
  if ([...clause.matchAll(/\bor\b/gi)].some((m) => topLevel(at(m.index)))) return false;
  const filter = new RegExp(`(?:(\\w+)\\s*\\.\\s*)?${TENANT_FILTER.source}`, 'gi');
  const target = targetNames(code);
  return [...clause.matchAll(filter)].some((m) => {
    if (!topLevel(at(m.index))) return false;
    if (target !== undefined && m[1] !== undefined && !target.includes(m[1].toLowerCase())) return false;
    const before = clause.slice(0, m.index).trim();
    const after = clause.slice(m.index + m[0].length).trim();
    return (before === '' || /\band$/i.test(before)) && (after === '' || /^and\b/i.test(after));
  });
}

/** Throws a ProjectionError (BYPASS_*) unless `statement` may run; returns its tenants, deduplicated. */
export function checkBypassStatement(statement: BypassStatement): string[] {
  if (!REASON.test(statement.reason))
    throw new ProjectionError('BYPASS_INVALID_REASON', `a cross-tenant statement needs a reason matching ${REASON.source}, got "${statement.reason}"`);
  if (!Array.isArray(statement.tenants) || statement.tenants.length === 0)
    throw new ProjectionError('BYPASS_EMPTY_TENANT_FILTER', `${statement.reason}: the tenant filter is empty; name the tenants the statement may touch`);
  for (const tenant of statement.tenants)
    if (!isCanonicalUuid(tenant)) throw new ProjectionError('BYPASS_INVALID_TENANT', `${statement.reason}: "${String(tenant)}" in the tenant filter is not a lowercase canonical UUID`);
  const code = maskSql(statement.text).trim().replace(/;\s*$/, '');
  if (code.includes(';'))
    throw new ProjectionError('BYPASS_MULTIPLE_STATEMENTS', `${statement.reason}: one statement at a time through the wrapper`);
  if (!DML.test(code))
    throw new ProjectionError('BYPASS_NOT_DML', `${statement.reason}: only INSERT, UPDATE or DELETE may run across tenants`);
  if (!hasTenantFilterTerm(code))
    throw new ProjectionError(
      'BYPASS_WITHOUT_TENANT_FILTER',
      `${statement.reason}: a cross-tenant statement must have "tenant_id = any($1::uuid[])" as an AND term of its top-level WHERE clause`,
    );
  return [...new Set(statement.tenants)];
}
