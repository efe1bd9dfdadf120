/**
 * The command line (commander), in French. Exit status: 0 success, 1 failed operation,
 * 2 usage error. Commands live in `commands/`, one module each, listed in `commands/index.ts`.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.js';
import { COMMANDS } from './commands/index.js';
import { CLI_SETTINGS, cliContext, OperationError, terminalSafe, UsageError } from './context.js';
import { FRENCH_HELP, frenchError } from './help-fr.js';

/** The package's version (`src/cli/` and `dist/cli/` are both two levels below package.json). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** The program and its command tree (exported for the help test, which walks it). */
export function program(): Command {
  const cli = new Command('sne-gateway')
    .description("Passerelle d'enregistrement des demandes de logement social par courrier électronique chiffré")
    // Set before any sub-command is added: they inherit the French help, options and errors.
    .configureHelp(FRENCH_HELP)
    .option('--home <dossier>', 'dossier de travail (défaut : $SNE_GATEWAY_HOME, sinon ./var)')
    .option('--config <fichier>', 'fichier de configuration (défaut : $SNE_GATEWAY_CONFIG, sinon sne-gateway.config.json du dossier de travail)')
    .version(packageVersion(), '-V, --version', 'affiche la version')
    .helpOption('-h, --help', "affiche l'aide")
    .helpCommand('help [commande]', "affiche l'aide d'une commande")
    .showHelpAfterError('(utilisez --help pour la liste des options)')
    .exitOverride();
  for (const setting of CLI_SETTINGS) cli.option(setting.flags, setting.description);
  cli.configureOutput({ outputError: (text, write) => write(terminalSafe(frenchError(text))) });
  const context = cliContext(cli);
  for (const register of COMMANDS) register(cli, context);
  return cli;
}

export async function main(argv: readonly string[]): Promise<number> {
  // `sne-gateway outbox list | head`: a reader that left is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  try {
    await program().parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const say = (text: string) => process.stderr.write(`${terminalSafe(text)}\n`);
    if (error instanceof UsageError) {
      say(error.message);
      return 2;
    }
    if (error instanceof OperationError) {
      say(error.message);
      return 1;
    }
    if (error instanceof ConfigError) {
      say(`${error.message}\nCorrigez le paramètre nommé : dans le fichier de configuration, la variable d'environnement ou l'option indiquée.`);
      return 1;
    }
    const failure = error as NodeJS.ErrnoException;
    if (failure.code === 'ENOENT' && failure.path !== undefined) {
      say(`erreur : fichier ou dossier introuvable : ${failure.path} ; vérifiez le chemin donné (ou --home / --config).`);
      return 1;
    }
    say(`erreur : ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
