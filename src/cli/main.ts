/**
 * The command line (commander), in French. Exit status: 0 success, 1 failed operation,
 * 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { join } from 'node:path';
import { ConfigError, loadConfig, resolveHome } from '../config/load.js';
import { demoCommand } from './commands/demo.js';
import { initHome } from './commands/init.js';
import { runCommand } from './commands/run.js';

function program(): Command {
  const cli = new Command('sne-gateway')
    .description("Passerelle d'enregistrement des demandes de logement social par courrier électronique chiffré")
    .option('--home <dossier>', 'dossier de travail (défaut : $SNE_GATEWAY_HOME, sinon ./var)')
    .helpOption('-h, --help', "afficher l'aide")
    .helpCommand('help [commande]', "afficher l'aide d'une commande")
    .showHelpAfterError('(utilisez --help pour la liste des options)')
    .exitOverride();
  cli.configureOutput({ outputError: (text, write) => write(text.replace(/^error:/, 'erreur :')) });

  const home = () => resolveHome(cli.opts<{ home?: string }>().home);

  cli
    .command('init')
    .description('crée la configuration, le registre, les boîtes Maildir et la clé nationale si absents (idempotent)')
    .option('--address <adresse>', 'adresse de dépôt de la passerelle (à la création de la configuration)')
    .action(async (options: { address?: string }) => {
      const report = await initHome(home(), options.address ? { address: options.address } : {});
      report.lines.forEach((line) => process.stdout.write(`${line}\n`));
    });

  cli
    .command('run')
    .description('lance le démon : relève la boîte de dépôt, traite les lots, envoie les réponses')
    .option('--once', 'traite ce qui attend puis s’arrête (statut 0, ou 1 si un message n’a pu être traité)')
    .action(async (options: { once?: boolean }) => {
      process.exitCode = await runCommand(loadConfig(home()), options);
    });

  cli
    .command('demo')
    .description('démonstration complète sur les réglages embarqués, dans var/demo (ou --home)')
    .action(async () => {
      const explicit = cli.opts<{ home?: string }>().home ?? process.env.SNE_GATEWAY_HOME;
      process.exitCode = await demoCommand(explicit ? resolveHome(explicit) : join(resolveHome(undefined), 'demo'));
    });
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
