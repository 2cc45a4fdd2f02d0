// The read models of this release, by name (the same names as projection_meta.models rows).
import { ProjectionError } from '../errors.ts';
import { auditModel } from './audit.ts';
import { chatContentModel } from './chat-content.ts';
import { conversationsModel } from './conversations.ts';
import { membersModel } from './members.ts';
import { memoriesModel } from './memories.ts';
import type { ReadModel } from './model.ts';
import { providerKeysModel } from './provider-keys.ts';
import { secretsModel } from './secrets.ts';
import { sourceQueriesModel } from './source-queries.ts';
import { sourcesModel } from './sources.ts';
import { tenantsModel } from './tenants.ts';

export type { ProjectedEvent, ReadModel } from './model.ts';

export const READ_MODELS: readonly ReadModel[] = [
  tenantsModel, membersModel, auditModel, sourcesModel, sourceQueriesModel, providerKeysModel, secretsModel,
  conversationsModel, memoriesModel, chatContentModel,
];

export const READ_MODEL_NAMES: readonly string[] = READ_MODELS.map((m) => m.name);

/** The models named (all when `names` is empty or undefined); UNKNOWN_MODEL for a bad name. */
export function selectModels(names?: readonly string[]): ReadModel[] {
  if (names === undefined || names.length === 0) return [...READ_MODELS];
  return names.map((name) => {
    const model = READ_MODELS.find((m) => m.name === name);
    if (model === undefined) throw new ProjectionError('UNKNOWN_MODEL', `unknown read model "${name}"; known: ${READ_MODEL_NAMES.join(', ')}`);
    return model;
  });
}
