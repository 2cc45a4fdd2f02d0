// Which generations a batch goes to: the live projector writes to the active generation of each
// model, a rebuild to the generation it is building. Read inside the batch transaction, after
// the model locks, so a swap that committed meanwhile is always seen.
import type { ModelTarget, ProjectorTransaction } from '../writer/projector-transaction.ts';

export type TargetSelector = (tx: ProjectorTransaction) => Promise<ModelTarget[]>;

interface GenerationRow {
  model: string;
  generation: number;
  schema_name: string;
}

const toTarget = (row: GenerationRow): ModelTarget => ({ model: row.model, generation: row.generation, schema: row.schema_name });

export function activeTargets(models: readonly string[]): TargetSelector {
  return async (tx) => {
    const { rows } = await tx.meta<GenerationRow>(
      "select model, generation, schema_name from projection_meta.generations where state = 'active' and model = any($1::text[]) order by model",
      [models],
    );
    return rows.map(toTarget);
  };
}

/** The given generations while they are still being built (none once a swap made them active). */
export function buildingTargets(generations: readonly { model: string; generation: number }[]): TargetSelector {
  return async (tx) => {
    const { rows } = await tx.meta<GenerationRow>(
      `select g.model, g.generation, g.schema_name from projection_meta.generations g
       join unnest($1::text[], $2::int[]) as t(model, generation) on t.model = g.model and t.generation = g.generation
       where g.state = 'building' order by g.model`,
      [generations.map((g) => g.model), generations.map((g) => g.generation)],
    );
    return rows.map(toTarget);
  };
}
