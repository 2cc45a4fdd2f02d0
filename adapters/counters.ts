// Process-wide counters (issue 12: "a metric"), by name and labels, readable as a snapshot for
// status output and tests. Kept as plain numbers so a Prometheus registry can later export the
// same names without the services changing.

const values = new Map<string, number>();

function keyOf(name: string, labels: Readonly<Record<string, string>>): string {
  const parts = Object.keys(labels).sort().map((k) => `${k}="${labels[k]}"`);
  return parts.length === 0 ? name : `${name}{${parts.join(',')}}`;
}

export function incrementCounter(name: string, labels: Readonly<Record<string, string>> = {}, by = 1): void {
  if (by === 0) return;
  const key = keyOf(name, labels);
  values.set(key, (values.get(key) ?? 0) + by);
}

/** Every counter as `name{label="value",…}` → value, sorted by key. */
export function countersSnapshot(): Record<string, number> {
  return Object.fromEntries([...values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The value of one counter (0 when never incremented). */
export function counterValue(name: string, labels: Readonly<Record<string, string>> = {}): number {
  return values.get(keyOf(name, labels)) ?? 0;
}

/** Names of the quarantine counters every consumer of the events topic keeps. */
export const QUARANTINE_COUNTERS = {
  /** Tenants quarantined by this process, per consumer and anomaly code. */
  raised: 'palisade_tenant_quarantines_total',
  /** Records of quarantined tenants skipped, per consumer. */
  skipped: 'palisade_quarantined_records_skipped_total',
} as const;
