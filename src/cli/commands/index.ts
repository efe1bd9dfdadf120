/** Every command of the CLI, one module each: a new command is one file and one line here. */
import type { RegisterCommand } from '../context.js';
import { registerDemandes } from './demandes.js';
import { registerDemandesSearch } from './demandes-search.js';
import { registerDemo } from './demo.js';
import { registerDispatch } from './dispatch.js';
import { registerExpire } from './expire.js';
import { registerPreavis } from './preavis.js';
import { registerDoctor } from './doctor.js';
import { registerGestionnaires } from './gestionnaires.js';
import { registerGuichets } from './guichets.js';
import { registerGuichetsCommunes } from './guichets-communes.js';
import { registerInit } from './init.js';
import { registerKeys } from './keys.js';
import { registerLots } from './lots.js';
import { registerOutbox } from './outbox.js';
import { registerQuarantine } from './quarantine.js';
import { registerReference } from './reference.js';
import { registerRegistry } from './registry.js';
import { registerValidate } from './validate.js';
import { registerReplay } from './replay.js';
import { registerRun } from './run.js';
import { registerTerritories } from './territories.js';

export const COMMANDS: readonly RegisterCommand[] = [
  registerInit,
  registerRun,
  registerDemo,
  registerKeys,
  registerLots,
  registerGuichets,
  registerDoctor,
  registerReplay,
  // After registerGuichets: it adds `communes` to the same `guichets` command.
  registerGuichetsCommunes,
  registerTerritories,
  registerDemandes,
  // After registerDemandes: it adds `search` to the same `demandes` command.
  registerDemandesSearch,
  registerExpire,
  registerPreavis,
  registerDispatch,
  registerReference,
  registerValidate,
  registerOutbox,
  registerQuarantine,
  registerRegistry,
  registerGestionnaires,
];
