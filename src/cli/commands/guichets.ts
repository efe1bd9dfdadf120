/**
 * `sne-gateway guichets …`: enrolling a guichet, its addresses, keys and habilitations. Lists
 * may be given repeated (`--sender a --sender b`) or comma-separated (`--departments 93,75`).
 */
import { readFileSync } from 'node:fs';
import { openRegistry } from '../../app.js';
import { CryptoKeyError, inspectPublicKey, type PublicKeyInfo } from '../../crypto/index.js';
import { normalizeFingerprint, readCertificate } from '../../https/certificates.js';
import { sendersTaken } from '../../registry/sender-conflicts.js';
import type { Guichet, GuichetChanges } from '../../registry/model.js';
import type { Registry } from '../../registry/registry.js';
import { avertissementNonParametre, commandeParametrage } from '../../replies/territoires.js';
import { isDepartement } from '../../rules/reference/index.js';
import { banniereEcole } from '../ecole.js';
import { OperationError, UsageError, type CliContext, type RegisterCommand } from '../context.js';
import { expiryNote } from './keys.js';

const CODE = /^[A-Z][A-Z0-9]{4}$/;
const EMAIL = /^[^\s@<>,]+@[^\s@<>,]+\.[^\s@<>,]+$/;

/** Commander collector: repeated and comma-separated values alike. */
const list = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value.split(',').map((v) => v.trim()).filter((v) => v !== ''),
];

function check(values: readonly string[] | undefined, valid: (v: string) => boolean, what: string): void {
  const bad = (values ?? []).filter((v) => !valid(v));
  if (bad.length > 0) throw new UsageError(`${what} invalide(s) : ${bad.join(', ')}`);
}

/** Reads an armored public key file; a refused key explains itself in French. */
async function readKey(file: string): Promise<{ info: PublicKeyInfo; armored: string }> {
  const armored = readFileSync(file, 'utf8');
  const info = await inspectPublicKey(armored);
  if (!info.canEncrypt) {
    throw new CryptoKeyError('NO_VALID_RECIPIENT', `La clé ${info.fingerprint} ne permet pas de chiffrer (expirée, révoquée ou sans sous-clé de chiffrement) : demandez au guichet une clé valide.`);
  }
  return { info, armored };
}

/** Refuses sender addresses another guichet already has: its lots would be attributed to either. */
async function refuseTakenSenders(registry: Registry, code: string, senders: readonly string[]): Promise<void> {
  const taken = sendersTaken(await registry.listGuichets(), code, senders);
  if (taken.length === 0) return;
  const which = taken.map((t) => `${t.adresse} (guichet ${t.guichets.filter((g) => g !== code).join(', ')})`).join(', ');
  throw new OperationError(
    `Adresse(s) d'envoi déjà attribuée(s) à un autre guichet : ${which}. Une adresse d'envoi désigne un seul guichet : retirez-la d'abord de l'autre (« guichets update CODE --sender … »).`,
  );
}

function keyLine(info: PublicKeyInfo): string {
  return `clé ${info.fingerprint} (${info.userIds.join(', ') || 'sans identité'}), ${expiryNote(info.expiresAt, new Date())}`;
}

/** Runs a command body on the registry; usage and key errors reach `main`, which reports them. */
function action<A extends unknown[]>(context: CliContext, body: (registry: Registry, ...args: A) => Promise<void> | void) {
  return async (...args: A) => {
    const registry = (await openRegistry(context.config()));
    try {
      await body(registry, ...args);
    } finally {
      await registry.close();
    }
  };
}

async function mustExist(registry: Registry, code: string, context: CliContext): Promise<Guichet | undefined> {
  const guichet = await registry.getGuichet(code);
  if (!guichet) {
    context.err(`Guichet ${code} inconnu : voyez « sne-gateway guichets list », ou enrôlez-le avec « guichets add ».`);
    process.exitCode = 1;
  }
  return guichet;
}

function describe(g: Guichet, out: (line: string) => void): void {
  out(`${g.code} — ${g.nom}${g.actif ? '' : ' (désactivé)'}`);
  out(`  adresse : ${g.adresse.replace(/\n/g, ', ')}`);
  out(`  expéditeurs : ${g.expediteurs.join(', ') || '—'}`);
  out(`  réponses à : ${g.destinataires.join(', ') || '—'}`);
  out(`  départements habilités : ${g.departements.join(', ') || 'aucun'}`);
  out(`  canal des envois de la passerelle : ${g.canal}`);
  for (const e of g.certificats) out(`  certificat client (HTTPS) SHA-256 ${e}`);
  for (const k of g.cles) out(`  clé ${k.fingerprint}`);
}

export const registerGuichets: RegisterCommand = (program, context) => {
  const cmd = program.command('guichets').description('enrôler et gérer les guichets enregistreurs');

  cmd
    .command('add <code>')
    .description('enrôle un guichet : adresses, clé publique, départements habilités')
    .requiredOption('--name <nom>', 'raison sociale')
    .requiredOption('--address <adresse>', 'adresse postale (lignes séparées par « \\n » ou des virgules)')
    .requiredOption('--sender <courriel...>', "adresse(s) d'envoi des lots", list)
    .requiredOption('--reply <courriel...>', 'adresse(s) où envoyer les réponses', list)
    .requiredOption('--key <fichier>', 'clé publique OpenPGP du guichet (armure ASCII)')
    .requiredOption('--departments <départements...>', 'départements habilités, ex. 93,75', list)
    .action(
      action(context, async (registry, code: string, o: { name: string; address: string; sender: string[]; reply: string[]; key: string; departments: string[] }) => {
        if (!CODE.test(code)) throw new UsageError(`Code guichet « ${code} » invalide : 5 caractères, une lettre puis lettres ou chiffres (ex. G1104).`);
        check(o.sender, (v) => EMAIL.test(v), 'Adresse(s) d’envoi');
        check(o.reply, (v) => EMAIL.test(v), 'Adresse(s) de réponse');
        check(o.departments, isDepartement, 'Département(s)');
        if (await registry.getGuichet(code)) {
          context.err(`Le guichet ${code} existe déjà : modifiez-le avec « guichets update ${code} ».`);
          process.exitCode = 1;
          return;
        }
        await refuseTakenSenders(registry, code, o.sender);
        const { info, armored } = await readKey(o.key);
        await registry.addGuichet({
          code,
          nom: o.name,
          adresse: o.address.replace(/\\n/g, '\n'),
          expediteurs: o.sender,
          destinataires: o.reply,
          cles: [{ fingerprint: info.fingerprint, armored }],
          departements: o.departments,
        });
        context.out(`✔ guichet ${code} enrôlé ; ${keyLine(info)}`);
      }),
    );

  cmd
    .command('list')
    .hook('preAction', banniereEcole(context))
    .description('liste les guichets')
    .option('--json', 'sortie JSON')
    .action(
      action(context, async (registry, o: { json?: boolean }) => {
        const guichets = (await registry.listGuichets()).map(({ cles, ...g }) => ({ ...g, cles: cles.map((k) => k.fingerprint) }));
        if (o.json) return context.out(JSON.stringify(guichets, null, 2));
        if (guichets.length === 0) return context.out('Aucun guichet : enrôlez-en un avec « sne-gateway guichets add ».');
        for (const g of guichets) context.out(`${g.code}  ${g.actif ? 'actif    ' : 'désactivé'}  ${g.departements.join(',').padEnd(12)}  ${g.nom}`);
      }),
    );

  cmd
    .command('show <code>')
    .hook('preAction', banniereEcole(context))
    .description("détaille un guichet, avec l'échéance de ses clés")
    .option('--json', 'sortie JSON')
    .action(
      action(context, async (registry, code: string, o: { json?: boolean }) => {
        const g = await mustExist(registry, code, context);
        if (!g) return;
        const keys = await Promise.all(g.cles.map((k) => inspectPublicKey(k.armored)));
        if (o.json) return context.out(JSON.stringify({ ...g, cles: keys }, null, 2));
        describe({ ...g, cles: [] }, context.out);
        for (const info of keys) context.out(`  ${keyLine(info)}`);
      }),
    );

  cmd
    .command('update <code>')
    .description("modifie un guichet (les listes données remplacent les listes enregistrées)")
    .option('--name <nom>', 'raison sociale')
    .option('--address <adresse>', 'adresse postale')
    .option('--sender <courriel...>', "adresse(s) d'envoi des lots", list)
    .option('--reply <courriel...>', 'adresse(s) où envoyer les réponses', list)
    .option('--departments <départements...>', 'départements habilités', list)
    .option('--canal <canal>', "canal de ce que la passerelle envoie d'elle-même (préavis, dispatching) : mail ou https")
    .action(
      action(context, async (registry, code: string, o: { name?: string; address?: string; sender?: string[]; reply?: string[]; departments?: string[]; canal?: string }) => {
        if (o.canal !== undefined && o.canal !== 'mail' && o.canal !== 'https') throw new UsageError(`Canal « ${o.canal} » invalide : mail ou https.`);
        check(o.sender, (v) => EMAIL.test(v), 'Adresse(s) d’envoi');
        check(o.reply, (v) => EMAIL.test(v), 'Adresse(s) de réponse');
        check(o.departments, isDepartement, 'Département(s)');
        const changes: GuichetChanges = {
          ...(o.name === undefined ? {} : { nom: o.name }),
          ...(o.address === undefined ? {} : { adresse: o.address.replace(/\\n/g, '\n') }),
          ...(o.sender === undefined ? {} : { expediteurs: o.sender }),
          ...(o.reply === undefined ? {} : { destinataires: o.reply }),
          ...(o.departments === undefined ? {} : { departements: o.departments }),
          ...(o.canal === undefined ? {} : { canal: o.canal as 'mail' | 'https' }),
        };
        if (Object.keys(changes).length === 0) throw new UsageError('Rien à modifier : donnez au moins une option (--name, --address, --sender, --reply, --departments, --canal).');
        if (!await mustExist(registry, code, context)) return;
        if (o.sender !== undefined) await refuseTakenSenders(registry, code, o.sender);
        await registry.updateGuichet(code, changes);
        context.out(`✔ guichet ${code} modifié`);
      }),
    );

  for (const [name, actif] of [['disable', false], ['enable', true]] as const) {
    cmd
      .command(`${name} <code>`)
      .description(actif ? 'réactive un guichet' : 'désactive un guichet : ses lots seront mis en quarantaine, sans réponse')
      .action(
        action(context, async (registry, code: string) => {
          if (!await mustExist(registry, code, context)) return;
          await registry.updateGuichet(code, { actif });
          context.out(`✔ guichet ${code} ${actif ? 'réactivé' : 'désactivé'}`);
        }),
      );
  }

  for (const [name, add] of [['habilitate', true], ['unhabilitate', false]] as const) {
    cmd
      .command(`${name} <code> <départements...>`)
      .description(add ? 'habilite un guichet pour des départements' : "retire l'habilitation d'un guichet pour des départements")
      .action(
        action(context, async (registry, code: string, departements: string[]) => {
          const given = departements.flatMap((d) => list(d));
          check(given, isDepartement, 'Département(s)');
          const g = await mustExist(registry, code, context);
          if (!g) return;
          const next = add ? [...new Set([...g.departements, ...given])] : g.departements.filter((d) => !given.includes(d));
          await registry.updateGuichet(code, { departements: next });
          context.out(`✔ guichet ${code} habilité pour : ${[...next].sort().join(', ') || 'aucun département'}`);
          if (add) {
            const set = new Set((await registry.listTerritories()).map((t) => t.departement));
            for (const departement of [...next].filter((d) => !set.has(d)).sort()) {
              context.err(`⚠ ${avertissementNonParametre(departement)}\n  → ${commandeParametrage(departement)}`);
            }
          }
        }),
      );
  }

  const keys = cmd.command('keys').description("clés publiques d'un guichet (deux peuvent être actives pendant une rotation)");
  keys
    .command('add <code> <fichier>')
    .description('ajoute une clé publique OpenPGP (armure ASCII) au guichet')
    .action(
      action(context, async (registry, code: string, file: string) => {
        if (!await mustExist(registry, code, context)) return;
        const { info, armored } = await readKey(file);
        await registry.addGuichetKey(code, { fingerprint: info.fingerprint, armored });
        context.out(`✔ ${keyLine(info)} ajoutée au guichet ${code}`);
      }),
    );
  keys
    .command('remove <code> <empreinte>')
    .description("retire une clé du guichet (refusé s'il n'en resterait aucune)")
    .action(
      action(context, async (registry, code: string, fingerprint: string) => {
        const g = await mustExist(registry, code, context);
        if (!g) return;
        const fpr = fingerprint.toUpperCase();
        if (!g.cles.some((k) => k.fingerprint === fpr)) {
          context.err(`Le guichet ${code} n'a pas de clé ${fpr} : voyez « guichets show ${code} ».`);
          process.exitCode = 1;
          return;
        }
        if (g.cles.length === 1) {
          context.err(`C'est la dernière clé du guichet ${code} : ajoutez la nouvelle (« guichets keys add ») avant de retirer celle-ci.`);
          process.exitCode = 1;
          return;
        }
        await registry.removeGuichetKey(code, fpr);
        context.out(`✔ clé ${fpr} retirée du guichet ${code}`);
      }),
    );

  const certs = cmd.command('certs').description('certificats clients TLS du guichet, pour le canal HTTPS (spec 7)');
  certs
    .command('add <code> <fichier>')
    .description("enregistre l'empreinte SHA-256 d'un certificat client (PEM) du guichet")
    .action(
      action(context, async (registry, code: string, file: string) => {
        if (!await mustExist(registry, code, context)) return;
        let cert;
        try {
          cert = readCertificate(readFileSync(file));
        } catch (error) {
          throw new UsageError(`${file} : ${error instanceof Error ? error.message : String(error)}`);
        }
        if (!await registry.addGuichetCertificate(code, cert.empreinte)) {
          const other = (await registry.listGuichets()).find((g) => g.certificats.includes(cert.empreinte));
          throw new OperationError(`Ce certificat est déjà celui du guichet ${other?.code ?? '?'} : un certificat désigne un seul guichet.`);
        }
        const now = context.clock().now();
        const validity = cert.validTo < now ? `expiré depuis le ${cert.validTo.toISOString().slice(0, 10)} : il sera refusé` : `valable jusqu'au ${cert.validTo.toISOString().slice(0, 10)}`;
        context.out(`✔ certificat ${cert.empreinte} (${cert.subject}) enregistré pour le guichet ${code} ; ${validity}`);
      }),
    );
  certs
    .command('remove <code> <empreinte>')
    .description("retire un certificat du guichet : ses requêtes sont refusées dès lors")
    .action(
      action(context, async (registry, code: string, given: string) => {
        if (!await mustExist(registry, code, context)) return;
        const empreinte = normalizeFingerprint(given);
        if (empreinte === undefined) throw new UsageError(`Empreinte « ${given} » invalide : 64 chiffres hexadécimaux (SHA-256), avec ou sans « : ».`);
        if (!await registry.removeGuichetCertificate(code, empreinte)) {
          context.err(`Le guichet ${code} n'a pas de certificat ${empreinte} : voyez « guichets show ${code} ».`);
          process.exitCode = 1;
          return;
        }
        context.out(`✔ certificat ${empreinte} retiré du guichet ${code}`);
      }),
    );
};
