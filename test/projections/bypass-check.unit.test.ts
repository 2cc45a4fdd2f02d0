import { describe, expect, it } from 'vitest';
import { checkBypassStatement, maskSql } from '../../projections/writer/bypass-check.ts';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const codeOf = (text: string, tenants: readonly string[] = [A], reason = 'test.case') => {
  try {
    checkBypassStatement({ reason, tenants, text });
    return 'OK';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('maskSql', () => {
  it('blanks comments and string literals, keeps positions', () => {
    const sql = "select 1 -- where x\n/* a /* nested */ b */ 'it''s' E'\\'x' $$body$$ $t$tagged$t$ y";
    const masked = maskSql(sql);
    expect(masked).toHaveLength(sql.length);
    // (the E of an escape string stays: it is a prefix, not content)
    expect(masked.replace(/\s+/g, ' ').trim()).toBe('select 1 E y');
  });

  it('turns quoted identifiers into x runs, or keeps them on request', () => {
    expect(maskSql('update "rm_a"."members" set')).toBe('update xxxxxx.xxxxxxxxx set');
    expect(maskSql('update "rm_a".members set', { keepIdentifiers: true })).toBe('update "rm_a".members set');
  });

  it('does not mistake a positional parameter for a dollar quote', () => {
    expect(maskSql('where tenant_id = any($1::uuid[]) and x = $2')).toBe('where tenant_id = any($1::uuid[]) and x = $2');
  });
});

describe('checkBypassStatement', () => {
  it.each([
    ['an upsert filtering its source rows', 'insert into s.t (a) select r.a from unnest($2::uuid[]) as r(tenant_id, a) where r.tenant_id = any($1::uuid[]) on conflict (tenant_id, a) do update set a = excluded.a'],
    ['an update joined to its patches', 'update s.t m set x = p.x from unnest($2::text[]) as p(tenant_id, x) where m.tenant_id = p.tenant_id and m.tenant_id = any($1::uuid[])'],
    ['a delete with RETURNING', 'delete from s.t where tenant_id = any($1::uuid[]) returning *'],
    ['the filter between other AND terms', 'delete from s.t where x = 1 and tenant_id = any( $1 :: uuid [ ] ) and y = 2'],
    ['a quoted target named in the filter', 'update "s"."t" set x = 1 where "t".tenant_id = any($1::uuid[])'],
    ['a trailing semicolon', 'delete from s.t where tenant_id = any($1::uuid[]);'],
  ])('accepts %s', (_name, text) => {
    expect(codeOf(text)).toBe('OK');
  });

  it.each([
    ['no WHERE at all', 'update s.t set x = 1', 'BYPASS_WITHOUT_TENANT_FILTER'],
    ['a WHERE without the filter', 'update s.t set x = 1 where tenant_id = $1', 'BYPASS_WITHOUT_TENANT_FILTER'],
    ['the filter in a comment', 'update s.t set x = 1 -- where tenant_id = any($1::uuid[])', 'BYPASS_WITHOUT_TENANT_FILTER'],
    ['the filter in a block comment', 'update s.t set x = 1 /* where tenant_id = any($1::uuid[]) */', 'BYPASS_WITHOUT_TENANT_FILTER'],
    ['the filter in a string', "update s.t set x = 'where tenant_id = any($1::uuid[])'", 'BYPASS_WITHOUT_TENANT_FILTER'],
    ['the filter in a dollar-quoted string', 'update s.t set x = $q$ where tenant_id = any($1::uuid[]) $q$', 'BYPASS_WITHOUT_TENANT_FILTER'],
    ['the filter as a quoted identifier', 'delete from s.t where "tenant_id = any($1::uuid[])" = 1', 'BYPASS_WITHOUT_TENANT_FILTER'],
    ['the filter widened by OR', 'update s.t set x = 1 where tenant_id = any($1::uuid[]) or true', 'BYPASS_WITHOUT_TENANT_FILTER'],
    ['the filter negated', 'update s.t set x = 1 where not tenant_id = any($1::uuid[])', 'BYPASS_WITHOUT_TENANT_FILTER'],
    ['the filter inside parentheses with an OR', 'update s.t set x = 1 where (tenant_id = any($1::uuid[]) or true)', 'BYPASS_WITHOUT_TENANT_FILTER'],
    ['the filter only in a subquery', 'update s.t set x = (select 1 from u where tenant_id = any($1::uuid[]))', 'BYPASS_WITHOUT_TENANT_FILTER'],
    ['the filter on a joined source, not the target', 'update s.t m set x = p.x from unnest($2::uuid[]) as p(tenant_id, x) where p.tenant_id = any($1::uuid[])', 'BYPASS_WITHOUT_TENANT_FILTER'],
    ['the filter on a parameter other than $1', 'delete from s.t where tenant_id = any($2::uuid[])', 'BYPASS_WITHOUT_TENANT_FILTER'],
    ['a SELECT', 'select * from s.t where tenant_id = any($1::uuid[])', 'BYPASS_NOT_DML'],
    ['TRUNCATE', 'truncate s.t', 'BYPASS_NOT_DML'],
    ['DROP', 'drop table s.t', 'BYPASS_NOT_DML'],
    ['two statements', 'delete from s.t where tenant_id = any($1::uuid[]); delete from s.t', 'BYPASS_MULTIPLE_STATEMENTS'],
  ])('refuses %s', (_name, text, code) => {
    expect(codeOf(text)).toBe(code);
  });

  it('refuses an empty, malformed or missing tenant list', () => {
    const text = 'delete from s.t where tenant_id = any($1::uuid[])';
    expect(codeOf(text, [])).toBe('BYPASS_EMPTY_TENANT_FILTER');
    expect(codeOf(text, ["' or true --"])).toBe('BYPASS_INVALID_TENANT');
    expect(codeOf(text, ['aaaaaaaa-1111-4111-8111-11111111111f'.toUpperCase()])).toBe('BYPASS_INVALID_TENANT');
    expect(() => checkBypassStatement({ reason: 'x', text, tenants: undefined as unknown as string[] })).toThrow(expect.objectContaining({ code: 'BYPASS_EMPTY_TENANT_FILTER' }));
  });

  it('refuses a missing or free-text reason (it is recorded with each use)', () => {
    expect(codeOf('delete from s.t where tenant_id = any($1::uuid[])', [A], '')).toBe('BYPASS_INVALID_REASON');
    expect(codeOf('delete from s.t where tenant_id = any($1::uuid[])', [A], 'Drop; it')).toBe('BYPASS_INVALID_REASON');
  });

  it('returns the tenants deduplicated', () => {
    expect(checkBypassStatement({ reason: 'x', tenants: [A, B, A], text: 'delete from s.t where tenant_id = any($1::uuid[])' })).toEqual([A, B]);
  });
});
