/**
 * What the attestation owes the demandeur from the registry (spec 5.2, CCH R.441-2-4): the
 * commission de médiation of the demande's territory and the bailleurs holding housing stock in
 * its communes souhaitées. Read when the reply is prepared, so that a gestionnaire's setting
 * applies to the next attestation without touching the queued ones.
 *
 * The default is no number at all: the "délai anormalement long" is fixed by prefectoral order
 * (12 months to 10 years depending on the département); printing a made-up figure on a legal
 * document would mislead. An unset territory gets a paragraph that says who fixes the délai and
 * where to ask, and `territoriesOnDefaults` lists such territories for `doctor` to warn about.
 */
import type { TerritorySettings } from '../registry/model.js';
import type { RegistryReads } from '../registry/registry.js';
import { territoryOf } from '../rules/reference/index.js';
import type { AttestationData } from './types.js';

/** The territory (`111`, `013`, `02A`) is the first three characters of a numéro unique (spec 4.4). */
export const territoireOfNumero = (numeroUnique: string): string => numeroUnique.slice(0, 3);

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
  const commission = commissionMediationOf(await registry.getTerritory(territoireOfNumero(data.numeroUnique)));
  const codes = data.demande.logementRecherche.communesSouhaitees.flatMap((c) => (c.code === undefined ? [] : [c.code]));
  const { commissionMediation: _unset, ...rest } = data;
  return {
    ...rest,
    ...(commission === undefined ? {} : { commissionMediation: commission }),
    bailleurs: await registry.bailleursIn(codes),
  };
}

/**
 * Territories where an active guichet may register demandes but whose gestionnaire set nothing:
 * their attestations carry the default médiation paragraph. Sorted; for `doctor`'s warning.
 */
export async function territoriesOnDefaults(registry: RegistryReads): Promise<string[]> {
  const set = new Set((await registry.listTerritories()).map((t) => t.territoire));
  const used = new Set(
    (await registry.listGuichets())
      .filter((g) => g.actif)
      .flatMap((g) => g.departements.flatMap((d) => territoryOf(d) ?? [])),
  );
  return [...used].filter((t) => !set.has(t)).sort();
}
