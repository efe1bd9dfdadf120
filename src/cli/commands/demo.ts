/**
 * `sne-gateway demo`: the whole exchange on the embedded defaults, in `var/demo/`. Two demo
 * guichets send the sample lots of `fixtures/lots/`; the gateway processes them; the replies
 * are decrypted into `var/demo/replies/` so that a newcomer can open them. Run it twice: the
 * second run re-delivers the same lots and registers nothing new.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openGateway, nationalKeyLocation } from '../../app.js';
import type { Clock } from '../../clock.js';
import { homePath } from '../../config/load.js';
import { nationalPublicKeys } from '../../crypto/national-keys.js';
import { runOnce } from '../../daemon.js';
import { enrolGuichet, guichetKeys, openReply, sealLotMessage, type GuichetIdentity, type GuichetKeys } from '../../demo/guichet.js';
import { createLogger } from '../../log.js';
import { deliverToMaildir } from '../../mail/maildir.js';
import type { TerritorySettings } from '../../registry/model.js';
import type { RegisterCommand } from '../context.js';
import { initHome } from './init.js';

export const DEMO_GUICHETS: readonly GuichetIdentity[] = [
  {
    code: 'G1104',
    nom: 'Plaine Commune Habitat (démo)',
    adresse: '5 rue Jean Jaurès\n93200 Saint-Denis',
    expediteur: 'lots@g1104.demo.localhost',
    destinataire: 'retours@g1104.demo.localhost',
    departements: ['93', '75'],
  },
  {
    code: 'G1301',
    nom: 'Habitat Marseille Provence (démo)',
    adresse: '25 avenue de Frais Vallon\n13013 Marseille',
    expediteur: 'lots@g1301.demo.localhost',
    destinataire: 'retours@g1301.demo.localhost',
    departements: ['13'],
  },
];

/**
 * The demo's départements as their gestionnaires would set them (`territories set`), so that the
 * attestations print a délai and a commission and `doctor` has nothing to warn about. Demo values.
 */
export const DEMO_DEPARTEMENTS: readonly Omit<TerritorySettings, 'modifieAt'>[] = [
  { departement: '13', delaiAnormalementLongMois: 36, commissionAdresse: 'Commission de médiation DALO des Bouches-du-Rhône (démo)\n66 A rue Saint-Sébastien\n13006 Marseille', preavisDemandeur: false },
  { departement: '75', delaiAnormalementLongMois: 120, commissionAdresse: 'Commission de médiation DALO de Paris (démo)\n5 rue Leblanc\n75015 Paris', preavisDemandeur: false },
  { departement: '93', delaiAnormalementLongMois: 36, commissionAdresse: 'Commission de médiation DALO de la Seine-Saint-Denis (démo)\n1 esplanade Jean Moulin\n93000 Bobigny', preavisDemandeur: false },
];

const FIXTURES = new URL('../../../fixtures/lots/', import.meta.url);

export const registerDemo: RegisterCommand = (program, context) => {
  program
    .command('demo')
    .description('démonstration complète sur les réglages embarqués, dans var/demo (ou --home)')
    .action(async () => {
      process.exitCode = await demoCommand(context.homeGiven() ? context.home() : join(context.home(), 'demo'), context.clock());
    });
};

export async function demoCommand(home: string, clock: Clock, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const say = (line: string) => out.write(`${line}\n`);
  const { config, lines } = await initHome(home);
  lines.forEach(say);

  const logger = createLogger({ level: process.env.SNE_GATEWAY_LOG_LEVEL ?? 'warn', format: 'human' });
  const gateway = await openGateway(config, logger, clock);
  try {
    const national = nationalPublicKeys(nationalKeyLocation(config));
    const keys = new Map<string, GuichetKeys>();
    for (const guichet of DEMO_GUICHETS) {
      const k = await guichetKeys(join(home, 'guichets'), guichet);
      keys.set(guichet.code, k);
      await enrolGuichet(gateway.registry, guichet, k);
      say(`✔ guichet ${guichet.code} (${guichet.nom}) : clé ${k.fingerprint}, départements ${guichet.departements.join(', ')}`);
    }
    for (const settings of DEMO_DEPARTEMENTS) {
      if (await gateway.registry.getTerritory(settings.departement)) continue;
      await gateway.registry.setTerritory({ ...settings, modifieAt: clock.now().toISOString() });
      say(`✔ département ${settings.departement} : délai anormalement long ${settings.delaiAnormalementLongMois} mois, commission de médiation paramétrée`);
    }

    for (const name of readdirSync(FIXTURES).filter((n) => n.endsWith('.xml')).sort()) {
      const xml = readFileSync(new URL(name, FIXTURES));
      const code = /<guichet>([A-Z][A-Z0-9]{4})<\/guichet>/.exec(xml.toString('utf8'))?.[1];
      const guichet = DEMO_GUICHETS.find((g) => g.code === code);
      if (!guichet) continue;
      const raw = await sealLotMessage({
        xml,
        fileName: name,
        guichet,
        keys: keys.get(guichet.code)!,
        nationalPublicKeys: national,
        depot: config.gateway.address,
      });
      await deliverToMaildir(homePath(config, config.mailbox.path), raw);
      say(`→ lot ${name} chiffré et signé par ${guichet.code}, déposé dans la boîte`);
    }

    const pass = await runOnce(gateway);
    say('');
    say('lot\tréférence\tstatut\tnuméro unique ou erreur');
    for (const outcome of pass.outcomes) {
      if (outcome.kind !== 'committed') {
        say(`(message non traité : ${outcome.kind === 'retry-later' ? outcome.reason : 'pris par une autre instance'})`);
        continue;
      }
      const { lot } = outcome;
      const label = lot.identifiantLot ?? `message ${lot.id}`;
      if (lot.doublonDe !== undefined) {
        say(`${label}\t—\tDÉJÀ TRAITÉ\tlot reçu à nouveau : rien d'enregistré, compte rendu renvoyé`);
        continue;
      }
      if (lot.erreurs.length > 0) say(`${label}\t—\t${lot.statut}\t${lot.erreurs.map((e) => e.code).join(', ')}`);
      for (const r of await gateway.registry.lotResultats(lot.id)) {
        const detail = r.numeroUnique ?? r.erreurs.map((e) => e.code).join(', ');
        say(`${label}\t${r.reference ?? `demande[${r.position}]`}\t${r.statut}\t${detail}`);
      }
    }

    const repliesDir = join(home, 'replies');
    let opened = 0;
    const outgoing = join(homePath(config, config.sender.path), 'new');
    for (const file of readdirSync(outgoing).sort()) {
      const raw = readFileSync(join(outgoing, file));
      const guichet = DEMO_GUICHETS.find((g) => raw.includes(g.destinataire));
      if (!guichet) continue;
      const reply = await openReply(raw, keys.get(guichet.code)!, national);
      mkdirSync(join(repliesDir, guichet.code), { recursive: true, mode: 0o700 });
      writeFileSync(join(repliesDir, guichet.code, reply.filename), reply.content, { mode: 0o600 });
      opened++;
    }
    say('');
    say(`${pass.repliesSent} réponse(s) envoyée(s) dans ${outgoing}`);
    say(`${opened} réponse(s) déchiffrée(s) avec les clés des guichets dans ${repliesDir}`);
    return pass.outcomes.every((o) => o.kind === 'committed') ? 0 : 1;
  } finally {
    await gateway.close();
  }
}
