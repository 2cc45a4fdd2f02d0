// The one door to the pg package: every file outside adapters/postgres/ takes pg's types and
// classes from here, so the driver is pinned, upgraded and audited in one place (the
// architecture test refuses a direct `pg` import elsewhere). Pools are opened by pool.ts only.
import pg from 'pg';

export default pg;
