/**
 * `sne-gateway keys national create|list|export|import|retire`: the national key pairs, with
 * rotation (every key in service decrypts, the newest signs). The private keys are stored
 * passphrase-protected and never printed.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { nationalKeyLocation } from '../../app.js';
import {
  createNationalKey,
  describeNationalKeys,
  importNationalKey,
  loadNationalKeyring,
  retireNationalKey,
} from '../../crypto/national-keys.js';
import { banniereEcole } from '../ecole.js';
import type { CliContext, RegisterCommand } from '../context.js';

const DAY_MS = 86_400_000;
/** Guichets need time to take a new key: warn a month before a key expires. */
export const EXPIRY_WARNING_DAYS = 30;

const dateFr = (d: Date) => d.toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' });

export function expiryNote(expiresAt: Date | null, now: Date): string {
  if (expiresAt === null) return "sans date d'expiration";
  const days = Math.floor((expiresAt.getTime() - now.getTime()) / DAY_MS);
  if (days < 0) return `⚠ expirée le ${dateFr(expiresAt)}`;
  return `${days < EXPIRY_WARNING_DAYS ? '⚠ ' : ''}expire le ${dateFr(expiresAt)} (dans ${days} jours)`;
}

function national(program: Command, context: CliContext): Command {
  const location = () => nationalKeyLocation(context.config());
  const cmd = program.command('national').description('clés nationales : les guichets chiffrent leurs lots pour elles, elles signent les réponses');

  cmd
    .command('create')
    .description('crée une nouvelle paire de clés nationale (rotation : elle signera désormais, les anciennes déchiffrent encore)')
    .option('--expire-dans <jours>', "durée de validité en jours (défaut : sans expiration)", (v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('un nombre entier de jours ≥ 1 est attendu.');
      return Number(v);
    })
    .action(async (options: { expireDans?: number }) => {
      const fingerprint = await createNationalKey(location(), options.expireDans ? { expiresInDays: options.expireDans } : {});
      context.out(`✔ clé nationale créée : ${fingerprint}`);
      context.out('  Transmettez la clé publique aux guichets : sne-gateway keys national export');
    });

  cmd
    .command('list')
    .hook('preAction', banniereEcole(context))
    .description('liste les clés nationales en service, la plus récente (qui signe) en premier')
    .option('--json', 'sortie JSON')
    .action(async (options: { json?: boolean }) => {
      const keys = await describeNationalKeys(location());
      if (options.json) {
        context.out(JSON.stringify(keys.map(({ publicKey: _publicKey, ...info }, i) => ({ ...info, signe: i === 0 })), null, 2));
        return;
      }
      if (keys.length === 0) context.out('Aucune clé nationale : lancez « sne-gateway init » ou « keys national create ».');
      const now = new Date();
      keys.forEach((k, i) =>
        context.out(`${i === 0 ? '✍' : ' '} ${k.fingerprint}  créée le ${dateFr(k.createdAt)}  ${expiryNote(k.expiresAt, now)}${i === 0 ? '  (signe les réponses)' : ''}`),
      );
    });

  cmd
    .command('export [empreinte]')
    .description('affiche la clé publique (la plus récente par défaut) à transmettre aux guichets')
    .option('--toutes', 'toutes les clés en service')
    .action(async (empreinte: string | undefined, options: { toutes?: boolean }) => {
      const keys = await describeNationalKeys(location());
      const chosen = options.toutes ? keys : empreinte ? keys.filter((k) => k.fingerprint === empreinte.toUpperCase()) : keys.slice(0, 1);
      if (chosen.length === 0) {
        context.err(`Aucune clé nationale en service${empreinte ? ` d'empreinte ${empreinte}` : ''} : voyez « sne-gateway keys national list ».`);
        process.exitCode = 1;
        return;
      }
      for (const k of chosen) process.stdout.write(k.publicKey.endsWith('\n') ? k.publicKey : `${k.publicKey}\n`);
    });

  cmd
    .command('import <fichier>')
    .description('ajoute une clé privée nationale (armure ASCII), protégée par la phrase secrète configurée')
    .action(async (fichier: string) => {
      const fingerprint = await importNationalKey(location(), readFileSync(fichier, 'utf8'));
      context.out(`✔ clé nationale importée : ${fingerprint}`);
    });

  cmd
    .command('retire <empreinte>')
    .description('retire une clé du service (conservée dans keys/retired/) ; la dernière clé ne peut pas être retirée')
    .action(async (empreinte: string) => {
      const keys = await describeNationalKeys(location());
      if (!keys.some((k) => k.fingerprint === empreinte.toUpperCase())) {
        context.err(`Aucune clé nationale en service d'empreinte ${empreinte} : voyez « sne-gateway keys national list ».`);
        process.exitCode = 1;
        return;
      }
      if (keys.length === 1) {
        context.err('C’est la dernière clé nationale : créez-en une autre (« keys national create ») avant de la retirer.');
        process.exitCode = 1;
        return;
      }
      retireNationalKey(location(), empreinte);
      // The keys left must still open: a retired key never leaves the gateway without a signer.
      const keyring = await loadNationalKeyring(location());
      context.out(`✔ clé ${empreinte.toUpperCase()} retirée ; la clé ${keyring.signingFingerprint} signe les réponses.`);
    });
  return cmd;
}

export const registerKeys: RegisterCommand = (program, context) => {
  const keys = program.command('keys').description('gestion des clés OpenPGP');
  national(keys, context);
};
