/**
 * Commune name comparison (spec 4.3) and the looser forms used only to suggest names.
 */

const LIGATURES: Readonly<Record<string, string>> = { œ: 'oe', æ: 'ae', ß: 'ss' };

/** Strips case and accents; folds the ligatures NFD leaves alone. ASCII input skips NFD (most names). */
function foldCaseAndAccents(s: string): string {
  const lower = s.toLowerCase();
  if (!/[^\x00-\x7f]/.test(lower)) return lower;
  return lower
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[œæß]/g, (c) => LIGATURES[c] ?? c);
}

/**
 * The spec's comparison form: no case, no accents, and `-`, `'`, `’` and spaces alike (a run of
 * them counts as one). No abbreviation is expanded: `St-Denis` stays `st denis`, not `saint denis`.
 */
export function normalizeCommuneName(s: string): string {
  return foldCaseAndAccents(s)
    .replace(/[\s\-'\u2019\u2018\u02bc\u00a0]+/g, ' ')
    .trim();
}

/** Abbreviations a guichet may write; expanded for suggestions only, never for matching. */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  st: 'saint',
  ste: 'sainte',
  sts: 'saints',
  stes: 'saintes',
  mt: 'mont',
};

/**
 * The form suggestions are computed on: the comparison form, any other punctuation as a space
 * (`St.`), and the usual abbreviations expanded (`St` → `saint`).
 */
export function suggestionKey(s: string): string {
  return foldCaseAndAccents(s)
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .replace(/\b(?:st|ste|sts|stes|mt)\b/g, (word) => ABBREVIATIONS[word] ?? word);
}

/** Size of the trigram id space: keys hold only `a-z`, `0-9` and the space, 37 symbols. */
export const TRIGRAM_SPACE = 37 * 37 * 37;

function symbol(code: number): number {
  if (code >= 97 && code <= 122) return code - 96; // a-z → 1..26
  if (code >= 48 && code <= 57) return code - 21; // 0-9 → 27..36
  return 0; // space (and anything else)
}

/**
 * Distinct trigram ids of a suggestion key padded with spaces, so that word starts weigh in.
 * Numbers rather than strings: the index holds ~700,000 of them and is built at start-up.
 */
export function trigramIds(key: string): number[] {
  const out: number[] = [];
  let a = 0;
  let b = 0;
  const length = key.length + 1; // one trailing space
  for (let i = 0; i < length; i++) {
    const c = i < key.length ? symbol(key.charCodeAt(i)) : 0;
    const id = (a * 37 + b) * 37 + c;
    if (!out.includes(id)) out.push(id);
    a = b;
    b = c;
  }
  return out;
}

// Rows reused between calls: suggestions run on every unknown commune of a lot.
let previousRow = new Int32Array(64);
let currentRow = new Int32Array(64);
let beforeRow = new Int32Array(64);

/** Damerau-Levenshtein distance (optimal string alignment: adjacent transpositions count 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  if (previousRow.length <= b.length) {
    previousRow = new Int32Array(b.length + 1);
    currentRow = new Int32Array(b.length + 1);
    beforeRow = new Int32Array(b.length + 1);
  }
  let before = beforeRow;
  let prev = previousRow;
  let cur = currentRow;
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const bj = b.charCodeAt(j - 1);
      const cost = ai === bj ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) {
        d = Math.min(d, before[j - 2]! + 1);
      }
      cur[j] = d;
    }
    const spare = before;
    before = prev;
    prev = cur;
    cur = spare;
  }
  return prev[b.length]!;
}

/** 1 for equal keys, 0 for nothing in common. */
export function similarity(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  return longest === 0 ? 1 : 1 - editDistance(a, b) / longest;
}
