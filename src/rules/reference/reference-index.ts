/**
 * The in-memory commune reference (spec 4.3): current communes and municipal arrondissements,
 * their distribution postal codes, and the retired codes that explain a rejection. Built once from
 * plain data; every query is a map look-up (suggestions excepted).
 */
import { normalizeCommuneName } from './normalize.js';
import { CommuneSuggester } from './suggest.js';
import { territoryOf } from './territory.js';
import type { Commune, CommuneSuggestion, Edition, ReferenceData, RetiredCode, SuggestOptions } from './types.js';

export class ReferenceIndex {
  private readonly byCode = new Map<string, Commune>();
  private readonly byPostalCode = new Map<string, Commune[]>();
  /** Postal codes of cities split into arrondissements (Paris, Lyon, Marseille): the city itself. */
  private readonly citiesByPostalCode = new Map<string, Commune[]>();
  private readonly retired = new Map<string, RetiredCode>();
  private readonly communes: readonly Commune[];
  /** Built on the first suggestion (~80 ms): most lots name no unknown commune. */
  private suggester: CommuneSuggester | undefined;
  private readonly info: Edition;

  constructor(data: ReferenceData) {
    for (const commune of data.communes) this.byCode.set(commune.code, commune);
    const arrondissementCodes = new Map<string, Set<string>>();
    for (const commune of data.communes) {
      if (commune.commune === undefined) continue;
      const codes = arrondissementCodes.get(commune.commune) ?? new Set<string>();
      for (const cp of commune.codesPostaux) codes.add(cp);
      arrondissementCodes.set(commune.commune, codes);
    }
    for (const commune of data.communes) {
      // A postal code of Paris belongs to one arrondissement: give that one, not the whole city,
      // so that a postal code alone names one commune; the city still matches by name.
      const ownedByArrondissement = arrondissementCodes.get(commune.code);
      for (const cp of commune.codesPostaux) {
        const target = ownedByArrondissement?.has(cp) ? this.citiesByPostalCode : this.byPostalCode;
        const list = target.get(cp);
        if (list) list.push(commune);
        else target.set(cp, [commune]);
      }
    }
    for (const r of data.retired) {
      const current = this.byCode.get(r.currentCode);
      if (current === undefined || this.byCode.has(r.code)) continue;
      const known = this.retired.get(r.code);
      // A code may be listed both as a commune déléguée (with its name) and as a former code.
      if (known !== undefined && known.nom !== undefined) continue;
      this.retired.set(r.code, {
        code: r.code,
        ...(r.nom !== undefined ? { nom: r.nom } : {}),
        kind: r.kind,
        currentCode: current.code,
        currentNom: current.nom,
      });
    }
    this.communes = data.communes;
    const allPostalCodes = new Set([...this.byPostalCode.keys(), ...this.citiesByPostalCode.keys()]);
    this.info = {
      ...data.edition,
      communes: data.communes.filter((c) => c.type === 'commune').length,
      arrondissements: data.communes.filter((c) => c.type === 'arrondissement-municipal').length,
      codesPostaux: allPostalCodes.size,
      codesRetires: this.retired.size,
    };
  }

  /** A current commune or municipal arrondissement; undefined for retired or unknown codes. */
  communeByCode(code: string): Commune | undefined {
    return this.byCode.get(code);
  }

  /** Explains a code that is not current: the commune déléguée, associée or merged commune it was. */
  retiredCode(code: string): RetiredCode | undefined {
    return this.retired.get(code);
  }

  /**
   * The communes a distribution postal code serves, arrondissements rather than their city
   * (75011 → Paris 11e Arrondissement only). Empty for a Cedex or unknown code.
   */
  communesByPostalCode(cp: string): readonly Commune[] {
    return this.byPostalCode.get(cp.trim()) ?? [];
  }

  /** False for a code that is no commune's distribution code: a Cedex code per spec 4.2. */
  isDistributionPostalCode(cp: string): boolean {
    const code = cp.trim();
    return this.byPostalCode.has(code) || this.citiesByPostalCode.has(code);
  }

  /**
   * The communes served by `cp` whose INSEE name is `nom` in the spec's comparison (no case, no
   * accents, `-`/`'`/space alike, no abbreviations). `Paris` with 75011 gives the city 75056,
   * `Paris 11e Arrondissement` gives 75111.
   */
  matchCommuneName(nom: string, cp: string): Commune[] {
    const wanted = normalizeCommuneName(nom);
    if (wanted === '') return [];
    const code = cp.trim();
    const served = [...(this.byPostalCode.get(code) ?? []), ...(this.citiesByPostalCode.get(code) ?? [])];
    // A postal code serves a few dozen communes at most: normalising them here is cheaper than
    // keeping 35,000 normalised names.
    return served.filter((c) => normalizeCommuneName(c.nom) === wanted);
  }

  /** True when `nom` is, in the spec's comparison, the INSEE name of the commune `code`. */
  nameMatchesCode(nom: string, code: string): boolean {
    const commune = this.communeByCode(code);
    return commune !== undefined && normalizeCommuneName(commune.nom) === normalizeCommuneName(nom);
  }

  /**
   * The nearest INSEE names for a commune name the reference does not know. `St`/`Ste` are
   * expanded here (only here), and a fuzzy distance catches typos; communes served by the postal
   * code, then of the département, come first.
   */
  suggestCommuneNames(nom: string, opts: SuggestOptions = {}, limit = 3): CommuneSuggestion[] {
    const served = opts.codePostal === undefined ? [] : this.communesByPostalCode(opts.codePostal);
    const departement =
      opts.departement ?? (opts.codePostal !== undefined ? this.departementOfPostalCode(opts.codePostal) : undefined);
    this.suggester ??= new CommuneSuggester(this.communes);
    const found = this.suggester.suggest({ nom, departement, served, limit });
    return found.map((c) => ({ code: c.code, nom: c.nom, departement: c.departement, codesPostaux: c.codesPostaux }));
  }

  /** The département of a current commune or arrondissement. */
  departementOf(code: string): string | undefined {
    return this.communeByCode(code)?.departement;
  }

  /** The numéro-unique territory of a département (`013`, `02A`, `971`, `111` for Île-de-France). */
  territoryOf(departement: string): string | undefined {
    return territoryOf(departement);
  }

  edition(): Edition {
    return this.info;
  }

  /** The département of the communes a postal code serves, when they agree (a few codes cross borders). */
  private departementOfPostalCode(cp: string): string | undefined {
    const departements = new Set(this.communesByPostalCode(cp).map((c) => c.departement));
    return departements.size === 1 ? [...departements][0] : undefined;
  }
}
