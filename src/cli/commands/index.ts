/** Every command of the CLI, one module each: a new command is one file and one line here. */
import type { RegisterCommand } from '../context.js';
import { registerDemo } from './demo.js';
import { registerInit } from './init.js';
import { registerKeys } from './keys.js';
import { registerLots } from './lots.js';
import { registerRun } from './run.js';

export const COMMANDS: readonly RegisterCommand[] = [
  registerInit,
  registerRun,
  registerDemo,
  registerKeys,
  registerLots,
];
