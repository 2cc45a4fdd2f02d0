// A read-model table as the projector writes it: its name, key and columns (each with its
// PostgreSQL type and the TypeScript type of its values, so a model's row type is derived from
// the one declaration), and the batched statements it offers — upsert, append, patch, remove —
// each ONE statement over `unnest` of the batch's column arrays however many rows it has.
//
// The SQL comes from the declarations only, never from event data (values are parameters), and
// every statement has the wrapper's tenant filter, `tenant_id = any($1::uuid[])`, as an AND term
// of its top-level WHERE (writer/bypass-check.ts). In each statement the batch's rows are `r`
// and, in a patch or a remove, the table's are `t`.

/** The type a column is sent as: an array parameter of it, unnested. */
export type SqlType = 'uuid' | 'text' | 'int' | 'bigint' | 'timestamptz' | 'jsonb';

/** A column: its PostgreSQL type; `T`, the TypeScript type of its values, exists only for the compiler. */
export interface Column<T> {
  readonly sql: SqlType;
  readonly value?: T;
}

// NoInfer: the value type is what the call says (or the default), never guessed from context.
const column = <Base>(sql: SqlType) => <T extends Base | null = Base>(): Column<NoInfer<T>> => ({ sql });

/** Column declarations, e.g. `col.text<'active' | 'removed'>()`, `col.timestamptz<string | null>()`. */
export const col = {
  uuid: column<string>('uuid'),
  text: column<string>('text'),
  int: column<number>('int'),
  /** Safe integers, as JavaScript numbers. */
  bigint: column<number>('bigint'),
  /** ISO 8601 text. */
  timestamptz: column<string>('timestamptz'),
  /** JSON text. */
  jsonb: column<string>('jsonb'),
};

/** A table's columns by field name, in column order (the column is the snake_case of the field). */
export type Columns = { readonly tenantId: Column<string> } & Readonly<Record<string, Column<unknown>>>;

/** The rows of a table with these columns. */
type Row<C> = { -readonly [K in keyof C]: C[K] extends Column<infer T> ? T : never };

/** The row type of a table: `type MemberRow = RowOf<typeof MEMBERS>`. */
export type RowOf<T extends { readonly columns: Columns }> = Row<T['columns']>;

type Field<T> = keyof T & string;

interface TenantScoped {
  readonly tenantId: string;
}

/**
 * How a patch changes a column: `set` to the patch's value, `setIfGiven` unless the patch's is
 * null, `fillIfNull` only while the row's is null, `add` the patch's value to the row's.
 */
export type PatchRule = 'set' | 'setIfGiven' | 'fillIfNull' | 'add';

/** A patch's rules: for its fields named like columns, or `{ add: column }` for a delta named otherwise. */
export type PatchRules<C, P> = { readonly [K in Field<P> & Field<C>]?: PatchRule } & {
  readonly [K in Exclude<Field<P>, Field<C>>]?: { readonly add: Field<C> };
};

/** One statement with one batch's rows (run only when there are rows: defineReadModel). */
export interface Write {
  readonly reason: string;
  readonly rows: readonly TenantScoped[];
  /** The rows' fields bound to $2, $3, … as column arrays. */
  readonly fields: readonly string[];
  /** The statement on the tables of `schema` (quoted). */
  text(schema: string): string;
}

const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const names = (fields: readonly string[]) => fields.map(snake).join(', ');
const TENANT_FILTER = 'tenant_id = any($1::uuid[])';

export class Table<C extends Columns> {
  readonly name: string;
  /** The primary key: what an upsert conflicts on, and what a patch or a remove matches by default. */
  readonly key: readonly Field<C>[];
  readonly columns: C;

  constructor(name: string, key: readonly Field<C>[], columns: C) {
    this.name = name;
    this.key = key;
    this.columns = columns;
  }

  /** Inserts `rows`, replacing every non-key column of a row that exists. */
  upsert(reason: string, rows: readonly Row<C>[]): Write {
    const fields = Object.keys(this.columns);
    const update = fields.filter((f) => !this.key.includes(f)).map((f) => `${snake(f)} = excluded.${snake(f)}`);
    return this.write(reason, rows, fields, (schema) =>
      `${this.insert(schema, fields)} where r.${TENANT_FILTER} on conflict (${names(this.key)}) do update set ${update.join(', ')}`);
  }

  /**
   * Inserts `rows` (a duplicate key fails the batch); with `onlyIf`, only the rows that meet it:
   * a condition on `r` that may name the generation's other tables as `${schema}.name`.
   */
  append(reason: string, rows: readonly Row<C>[], options: { onlyIf?: (schema: string) => string } = {}): Write {
    const fields = Object.keys(this.columns);
    const only = options.onlyIf;
    return this.write(reason, rows, fields, (schema) =>
      `${this.insert(schema, fields)} where r.${TENANT_FILTER}${only === undefined ? '' : ` and ${only(schema)}`}`);
  }

  /** Changes the rows that match `patches` (on `match`: the key by default) as `rules` say. */
  patch<P extends TenantScoped>(reason: string, patches: readonly P[], rules: PatchRules<C, P>, options: { match?: readonly (Field<P> & Field<C>)[] } = {}): Write {
    const match: readonly string[] = options.match ?? this.key;
    const ruled = Object.entries(rules as Record<string, PatchRule | { readonly add: string }>);
    const fields = [...match, ...ruled.map(([field]) => field)];
    const types = [...match.map((f) => this.typeOf(f)), ...ruled.map(([field, rule]) => this.typeOf(typeof rule === 'object' ? rule.add : field))];
    const set = ruled.map(([field, rule]) => assignment(field, rule));
    return this.write(reason, patches, fields, (schema) =>
      `update ${schema}.${this.name} t set ${set.join(', ')} from ${unnest(fields, types)} where ${matching(match)} and t.${TENANT_FILTER}`);
  }

  /** Deletes the rows that match `refs` (on `match`: the key by default) and meet `onlyIf`, a condition on `t`. */
  remove<P extends TenantScoped>(reason: string, refs: readonly P[], options: { match?: readonly (Field<P> & Field<C>)[]; onlyIf?: string } = {}): Write {
    const match: readonly string[] = options.match ?? this.key;
    const only = options.onlyIf === undefined ? '' : ` and ${options.onlyIf}`;
    const types = match.map((f) => this.typeOf(f));
    return this.write(reason, refs, match, (schema) =>
      `delete from ${schema}.${this.name} t using ${unnest(match, types)} where ${matching(match)}${only} and t.${TENANT_FILTER}`);
  }

  private insert(schema: string, fields: readonly string[]): string {
    return `insert into ${schema}.${this.name} (${names(fields)}) select r.* from ${unnest(fields, fields.map((f) => this.typeOf(f)))}`;
  }

  private typeOf(field: string): SqlType {
    const type = this.columns[field]?.sql;
    if (type === undefined) throw new TypeError(`read-model table ${this.name} has no column for "${field}"`);
    return type;
  }

  private write(reason: string, rows: readonly object[], fields: readonly string[], text: (schema: string) => string): Write {
    return { reason, rows: rows as readonly TenantScoped[], fields, text };
  }
}

function unnest(fields: readonly string[], types: readonly SqlType[]): string {
  return `unnest(${types.map((type, i) => `$${i + 2}::${type}[]`).join(', ')}) as r(${names(fields)})`;
}

function matching(fields: readonly string[]): string {
  return fields.map((f) => `t.${snake(f)} = r.${snake(f)}`).join(' and ');
}

function assignment(field: string, rule: PatchRule | { readonly add: string }): string {
  const c = snake(field);
  if (typeof rule === 'object') return `${snake(rule.add)} = t.${snake(rule.add)} + r.${c}`;
  switch (rule) {
    case 'set':
      return `${c} = r.${c}`;
    case 'setIfGiven':
      return `${c} = coalesce(r.${c}, t.${c})`;
    case 'fillIfNull':
      return `${c} = coalesce(t.${c}, r.${c})`;
    case 'add':
      return `${c} = t.${c} + r.${c}`;
    default: {
      const unknown: never = rule;
      throw new TypeError(`unknown patch rule ${String(unknown)}`);
    }
  }
}
