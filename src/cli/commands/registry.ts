/**
 * `sne-gateway registry copy --to postgres://user@host:port/db`: moves a home's SQLite registry
 * into an empty PostgreSQL one (issue 16, point 4), every table checked by its row count and a
 * checksum on both sides (src/registry/copy.ts). The daemon must not run on the SQLite registry
 * meanwhile: the copy holds its lock. The password comes from `--password-file`, else
 * SNE_GATEWAY_REGISTRY_PASSWORD, never from the URL.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { isPostgresUrl, sqlitePath } from '../../config/registry-location.js';
import { SECRET_VARIABLES } from '../../config/secrets.js';
import { acquireDaemonLock, LockHeldError } from '../../daemon-lock.js';
import { copyRegistry, CopyMismatchError, CopyRefusedError, type CopyPhase, type CopyReport } from '../../registry/copy.js';
import { SqliteExport } from '../../registry/sqlite/export.js';
import { OperationError, type CliContext, type RegisterCommand } from '../context.js';
import { startProgress, type Progress } from '../progress.js';
import { usage } from './territories.js';

interface CopyOptions {
  readonly to: string;
  readonly passwordFile?: string;
  readonly caFile?: string;
}

export const registerRegistry: RegisterCommand = (program, context) => {
  const registry = program.command('registry').description('le registre lui-même : passage de SQLite à PostgreSQL');
  registry
    .command('copy')
    .description(
      'copie le registre SQLite de ce dossier de travail dans un registre PostgreSQL vide et vérifie chaque table (nombre de lignes et somme de contrôle) ; le démon doit être arrêté',
    )
    .requiredOption('--to <url>', 'registre de destination : postgres://utilisateur@hôte:port/base (sans mot de passe)')
    .option('--password-file <fichier>', `fichier du mot de passe PostgreSQL (défaut : variable ${SECRET_VARIABLES.registry})`)
    .option('--ca-file <fichier>', 'certificat(s) de l’autorité du serveur PostgreSQL : la connexion exige alors TLS')
    .action(async (options: CopyOptions, command: Command) => copyCommand(context, command, options));
};

function targetUrl(command: Command, to: string): string {
  let url: URL | undefined;
  try {
    url = isPostgresUrl(to) ? new URL(to) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined) usage(command, `--to : une URL postgres://utilisateur@hôte:port/base est attendue (reçu « ${to} »).`);
  if (url.password !== '') usage(command, `--to : pas de mot de passe dans l’URL ; donnez-le par --password-file ou la variable ${SECRET_VARIABLES.registry}.`);
  if (url.search !== '') usage(command, '--to : l’URL ne prend pas de paramètres (TLS : --ca-file).');
  return to;
}

function readOptionFile(option: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new OperationError(`${option} : fichier illisible ${path} (${(error as NodeJS.ErrnoException).code ?? 'erreur'}).`);
  }
}

async function copyCommand(context: CliContext, command: Command, options: CopyOptions): Promise<void> {
  const url = targetUrl(command, options.to);
  const config = context.config();
  const path = sqlitePath(config);
  if (path === undefined) {
    throw new OperationError(`Le registre de ce dossier de travail est déjà sur PostgreSQL (${config.registry.url}) : la copie part d’un registre SQLite.`);
  }
  const fromEnv = process.env[SECRET_VARIABLES.registry];
  const password =
    options.passwordFile !== undefined
      ? readOptionFile('--password-file', options.passwordFile).toString('utf8').replace(/\r?\n$/, '')
      : fromEnv !== undefined && fromEnv !== ''
        ? fromEnv
        : undefined;
  const ca = options.caFile === undefined ? undefined : readOptionFile('--ca-file', options.caFile);

  let lock;
  try {
    lock = acquireDaemonLock(path, context.clock());
  } catch (error) {
    if (error instanceof LockHeldError) throw new OperationError(`Copie impossible : ${error.message}`);
    throw error;
  }
  try {
    const source = new SqliteExport(path);
    try {
      // Imported only here: the `pg` driver is loaded by the commands that use PostgreSQL.
      const { PostgresImport } = await import('../../registry/postgres/import.js');
      let target;
      try {
        target = await PostgresImport.open({ connectionString: url, ...(password !== undefined ? { password } : {}), ...(ca !== undefined ? { ca } : {}) });
      } catch (error) {
        throw new OperationError(`Registre PostgreSQL ${url} inaccessible : ${error instanceof Error ? error.message : String(error)}. Rien n’a été copié.`);
      }
      const progress: Partial<Record<CopyPhase, Progress>> = {};
      try {
        const report = await copyRegistry(source, target, {
          onProgress: (phase, done, total) => {
            if (progress[phase] === undefined) {
              progress.copie?.end();
              progress[phase] = startProgress(phase === 'copie' ? 'lignes copiées' : 'lignes vérifiées');
            }
            progress[phase]!.update(done, total);
          },
        });
        progress.verification?.end();
        summary(context, path, url, report);
      } catch (error) {
        for (const p of Object.values(progress)) p.end();
        if (error instanceof CopyRefusedError || error instanceof CopyMismatchError) throw new OperationError(error.message);
        throw new OperationError(`Copie interrompue : ${error instanceof Error ? error.message : String(error)}. Elle est annulée : le registre PostgreSQL est resté vide.`);
      } finally {
        await target.close();
      }
    } finally {
      source.close();
    }
  } finally {
    lock.release();
  }
}

function summary(context: CliContext, path: string, url: string, report: CopyReport): void {
  const width = Math.max(...report.tables.map((t) => t.table.length));
  const count = (n: number) => n.toLocaleString('fr-FR');
  const total = report.tables.reduce((sum, t) => sum + t.rows, 0);
  context.out(`Registre copié de ${path} vers ${url} (schéma version ${report.schemaVersion}) :`);
  for (const t of report.tables) {
    context.out(`  ${t.table.padEnd(width)}  ${count(t.rows).padStart(12)} ligne(s)  ✔ sha256 ${t.sha256.slice(0, 16)}…`);
  }
  context.out(`${count(total)} ligne(s) copiée(s) et vérifiée(s) : même nombre de lignes et même somme de contrôle SHA-256 dans les deux registres, table par table.`);
  context.out(
    `Pour passer à ce registre : arrêtez tout usage de l’ancien, puis mettez "registry": { "url": "${url}" } dans la configuration (mot de passe par ${SECRET_VARIABLES.registry} ou registry.passwordFile).`,
  );
}
