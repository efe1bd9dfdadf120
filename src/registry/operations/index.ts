/** One operation per typeFichier, found through this table: a new operation is one file and one line. */
import type { TypeFichier } from '../../lot/types.js';
import { copie } from './copie.js';
import { creation } from './creation.js';
import { modification } from './modification.js';
import { radiation } from './radiation.js';
import { renouvellement } from './renouvellement.js';
import type { Operation } from './types.js';

export const OPERATIONS: Readonly<Record<TypeFichier, Operation>> = {
  CRE: creation,
  REN: renouvellement,
  MOD: modification,
  RAD: radiation,
  COP: copie,
};

export type { Operation, OperationContext, OperationOutcome } from './types.js';
