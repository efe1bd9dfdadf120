/**
 * What the attestation owes the demandeur from the registry (spec 5.2, CCH R.441-2-4): the
 * commission de médiation of the demande's département (that of its first commune souhaitée:
 * « la commission de médiation de votre département ») and the bailleurs holding housing stock in
 * its communes souhaitées. Read when the reply is prepared, so that a gestionnaire's setting
 * applies to the next attestation without touching the queued ones.
 *
 * The default is no number at all: the "délai anormalement long" is fixed by prefectoral order
 * (12 months to 10 years depending on the département); printing a made-up figure on a legal
 * document would mislead. An unset territory gets a paragraph that says who fixes the délai and
 * where to ask, and `departementsOnDefaults` lists such départements for `doctor` to warn about.
 */
import type { CommuneRef } from '../lot/types.js';
import type { TerritorySettings } from '../registry/model.js';
import type { RegistryReads } from '../registry/registry.js';
import { departementOfCode, isDepartement } from '../rules/reference/index.js';
import type { AttestationData } from './types.js';

/** The territory (`111`, `013`, `02A`) is the first three characters of a numéro unique (spec 4.4). */
export const territoireOfNumero = (numeroUnique: string): string => numeroUnique.slice(0, 3);

/**
 * The département whose settings apply to a demande: that of its first commune souhaitée; for a
 * demande whose first commune has no INSEE code, that of its numéro when the numbering territory
 * is one département (`093` → `93`; Île-de-France's `111` names none).
 */
export function departementOfDemande(numeroUnique: string, communesSouhaitees: readonly CommuneRef[]): string | undefined {
  const code = communesSouhaitees[0]?.code;
  const fromCommune = code === undefined ? undefined : departementOfCode(code);
  if (fromCommune !== undefined) return fromCommune;
  const territoire = territoireOfNumero(numeroUnique).replace(/^0/, '');
  return isDepartement(territoire) ? territoire : undefined;
}

/** The settings as the attestation prints them; undefined: the default paragraph. */
export function commissionMediationOf(settings: TerritorySettings | undefined): AttestationData['commissionMediation'] {
  return settings === undefined
    ? undefined
    : { delaiAnormalementLongMois: settings.delaiAnormalementLongMois, adresse: settings.commissionAdresse };
}

/** What an attestation reads of the registry. */
export type TerritoryReads = Pick<RegistryReads, 'getTerritory' | 'bailleursIn'>;

/**
 * The territory reads remembered for one pass over the replies: a lot's thousand attestations
 * share a few territories and lists of communes (each read is a round trip on PostgreSQL). The
 * next pass reads again, so a gestionnaire's change applies to the next attestations.
 */
export function rememberedTerritoryReads(registry: TerritoryReads): TerritoryReads {
  const territories = new Map<string, ReturnType<TerritoryReads['getTerritory']>>();
  const bailleurs = new Map<string, ReturnType<TerritoryReads['bailleursIn']>>();
  const remembered = <K, V>(cache: Map<K, V>, key: K, read: () => V): V => {
    if (!cache.has(key)) cache.set(key, read());
    return cache.get(key)!;
  };
  return {
    getTerritory: (territoire) => remembered(territories, territoire, () => registry.getTerritory(territoire)),
    bailleursIn: (communes) => remembered(bailleurs, communes.join(','), () => registry.bailleursIn(communes)),
  };
}

/** The attestation's data completed from the registry: commission de médiation and bailleurs. */
export async function withTerritoryData(data: AttestationData, registry: TerritoryReads): Promise<AttestationData> {
  const departement = departementOfDemande(data.numeroUnique, data.demande.logementRecherche.communesSouhaitees);
  const commission = commissionMediationOf(departement === undefined ? undefined : await registry.getTerritory(departement));
  const codes = data.demande.logementRecherche.communesSouhaitees.flatMap((c) => (c.code === undefined ? [] : [c.code]));
  const { commissionMediation: _unset, ...rest } = data;
  return {
    ...rest,
    ...(commission === undefined ? {} : { commissionMediation: commission }),
    bailleurs: await registry.bailleursIn(codes),
  };
}

/**
 * Départements an active guichet is habilitated for but whose gestionnaire set nothing: their
 * attestations carry the default médiation paragraph. Sorted; for the warnings of `doctor` and
 * `guichets habilitate`.
 */
export async function departementsOnDefaults(registry: Pick<RegistryReads, 'listTerritories' | 'listGuichets'>): Promise<string[]> {
  const set = new Set((await registry.listTerritories()).map((t) => t.departement));
  const used = new Set((await registry.listGuichets()).filter((g) => g.actif).flatMap((g) => g.departements));
  return [...used].filter((d) => !set.has(d)).sort();
}

/** The warning about a département left unset, as `doctor` and `guichets habilitate` print it. */
export const avertissementNonParametre = (departement: string): string =>
  `département ${departement} : délai anormalement long et commission de médiation non paramétrés (les attestations renvoient au préfet)`;

/** The command a gestionnaire runs to set a département's settings (named by every warning). */
export const commandeParametrage = (departement: string): string =>
  `sne-gateway territories set ${departement} --delai-anormalement-long MOIS --commission-adresse "ADRESSE"`;
