/**
 * The command line (commander), in French. Exit status: 0 success, 1 failed operation,
 * 2 usage error. Commands live in `commands/`, one module each, listed in `commands/index.ts`.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.js';
import { COMMANDS } from './commands/index.js';
import { cliContext } from './context.js';

function program(): Command {
  const cli = new Command('sne-gateway')
    .description("Passerelle d'enregistrement des demandes de logement social par courrier électronique chiffré")
    .option('--home <dossier>', 'dossier de travail (défaut : $SNE_GATEWAY_HOME, sinon ./var)')
    .helpOption('-h, --help', "afficher l'aide")
    .helpCommand('help [commande]', "afficher l'aide d'une commande")
    .showHelpAfterError('(utilisez --help pour la liste des options)')
    .exitOverride();
  cli.configureOutput({ outputError: (text, write) => write(text.replace(/^error:/, 'erreur :')) });
  const context = cliContext(cli);
  for (const register of COMMANDS) register(cli, context);
  return cli;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nCorrigez le fichier de configuration ou la variable d'environnement indiquée.\n`);
      return 1;
    }
    process.stderr.write(`erreur : ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
