/**
 * Nearest INSEE names for a commune the reference does not know (DEM_COMMUNE_INCONNUE,
 * DEM_COMMUNE_CODE_POSTAL). A trigram index shortlists the names, an edit distance ranks them,
 * and the postal code or département given with the name favours the communes there.
 */
import { similarity, suggestionKey, TRIGRAM_SPACE, trigramIds } from './normalize.js';
import type { Commune } from './types.js';

/** How many trigram-shortlisted names get the (costlier) edit distance. */
const SHORTLIST = 48;
/** A trigram held by more names than this is skipped by the shortlist (see `shortlist`). */
const FREQUENT_TRIGRAM = 1500;
/** Below this similarity a name is no suggestion, unless it is served by the given postal code. */
const MIN_SIMILARITY = 0.5;
const MAX_NAME = 80;
const POSTAL_CODE_BONUS = 0.25;
const DEPARTEMENT_BONUS = 0.15;

export interface SuggestQuery {
  readonly nom: string;
  readonly departement?: string | undefined;
  /** The communes the given postal code serves (empty when none was given or it serves none). */
  readonly served: readonly Commune[];
  readonly limit: number;
}

export class CommuneSuggester {
  private readonly keys: string[];
  /** Postings in one array (CSR): the ids of names holding trigram t are ids[offsets[t]..offsets[t+1]]. */
  private readonly offsets = new Int32Array(TRIGRAM_SPACE + 1);
  private readonly ids: Int32Array;
  private readonly byKey = new Map<string, number[]>();
  private readonly idByCode = new Map<string, number>();
  // Scoreboard reused between calls; reset through the touched list.
  private readonly shared: Uint8Array;

  constructor(private readonly communes: readonly Commune[]) {
    this.keys = communes.map((c) => suggestionKey(c.nom));
    this.shared = new Uint8Array(communes.length);
    const gramsById = this.keys.map((key, id) => {
      this.idByCode.set(communes[id]!.code, id);
      const homonyms = this.byKey.get(key);
      if (homonyms) homonyms.push(id);
      else this.byKey.set(key, [id]);
      const grams = trigramIds(key);
      for (const gram of grams) this.offsets[gram + 1]! += 1;
      return grams;
    });
    for (let t = 0; t < TRIGRAM_SPACE; t++) this.offsets[t + 1]! += this.offsets[t]!;
    this.ids = new Int32Array(this.offsets[TRIGRAM_SPACE]!);
    const fill = this.offsets.slice(0, TRIGRAM_SPACE);
    gramsById.forEach((grams, id) => {
      for (const gram of grams) this.ids[fill[gram]!++] = id;
    });
  }

  suggest(query: SuggestQuery): Commune[] {
    // The longest INSEE name has 45 characters; the cap bounds the work on hostile input.
    const key = suggestionKey(query.nom.slice(0, MAX_NAME)).slice(0, MAX_NAME);
    const servedIds = new Set<number>();
    for (const commune of query.served) {
      const id = this.idByCode.get(commune.code);
      if (id !== undefined) servedIds.add(id);
    }
    const bonus = (id: number): number =>
      (servedIds.has(id) ? POSTAL_CODE_BONUS : 0) +
      (query.departement !== undefined && this.communes[id]!.departement === query.departement ? DEPARTEMENT_BONUS : 0);

    const candidates = new Set<number>([...servedIds, ...(this.byKey.get(key) ?? [])]);
    if (key.length > 0) for (const id of this.shortlist(key, bonus)) candidates.add(id);

    const scored: { id: number; score: number }[] = [];
    for (const id of candidates) {
      const sim = similarity(key, this.keys[id]!);
      if (sim < MIN_SIMILARITY && !servedIds.has(id)) continue;
      scored.push({ id, score: sim + bonus(id) });
    }
    scored.sort(
      (a, b) =>
        b.score - a.score ||
        this.communes[b.id]!.population - this.communes[a.id]!.population ||
        this.communes[a.id]!.code.localeCompare(this.communes[b.id]!.code),
    );
    return scored.slice(0, query.limit).map(({ id }) => this.communes[id]!);
  }

  /**
   * The names sharing most trigrams with the key (at least half of them), closest in length first,
   * plus the location bonus.
   * Trigrams held by thousands of names (`sai`, `es `) cost most and tell least: they are left
   * out when the key has enough others.
   */
  private shortlist(key: string, bonus: (id: number) => number): number[] {
    const all = trigramIds(key);
    const rare = all.filter((g) => this.offsets[g + 1]! - this.offsets[g]! <= FREQUENT_TRIGRAM);
    const grams = rare.length >= 3 ? rare : all;
    const touched: number[] = [];
    for (const gram of grams) {
      const end = this.offsets[gram + 1]!;
      for (let p = this.offsets[gram]!; p < end; p++) {
        const id = this.ids[p]!;
        if (this.shared[id] === 0) touched.push(id);
        this.shared[id]! += 1;
      }
    }
    // Rank by the share of (informative) trigrams held, then by closeness in length.
    const needed = Math.ceil(grams.length / 2);
    const ranked: { id: number; score: number }[] = [];
    for (const id of touched) {
      const shared = this.shared[id]!;
      this.shared[id] = 0;
      if (shared < needed) continue;
      const lengthGap = Math.abs(this.keys[id]!.length - key.length) / Math.max(key.length, this.keys[id]!.length);
      ranked.push({ id, score: shared / grams.length - lengthGap / 2 + bonus(id) });
    }
    ranked.sort((a, b) => b.score - a.score);
    return ranked.slice(0, SHORTLIST).map((r) => r.id);
  }
}
