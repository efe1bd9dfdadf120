/** Judging real lot XML: the rule tests edit fixtures/rules/lot-base.xml, parse it and run the rules. */
import { readFileSync } from 'node:fs';
import type { DemandeError } from '../../src/errors.js';
import { parseLot } from '../../src/lot/parse.js';
import { judgeDemandes } from '../../src/rules/index.js';
import { loadBundledReference } from '../../src/rules/reference/index.js';

export const reference = loadBundledReference();
export const TODAY = '2026-11-26';
export const G1104 = { code: 'G1104', departements: ['93', '75'] };

export const baseLot = (): string => readFileSync(new URL('../../fixtures/rules/lot-base.xml', import.meta.url), 'utf8');

/** Replaces the `nth` occurrence (0-based) of `from`; throws when there is none, so no test edits nothing. */
export function edit(text: string, from: string, to: string, nth = 0): string {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(from, at + 1);
    if (at < 0) throw new Error(`edit: occurrence ${nth} of "${from}" not found`);
  }
  return text.slice(0, at) + to + text.slice(at + from.length);
}

export type Edit = readonly [from: string, to: string, nth?: number];

/** Every error of every demande of the lot, schema errors included, in lot order. */
export function judgeXml(xml: string, receptionDay = TODAY, guichet = G1104): DemandeError[][] {
  const parsed = parseLot(new TextEncoder().encode(xml));
  if (!parsed.ok) throw new Error(`lot refused: ${parsed.error.code} ${parsed.error.message}`);
  const demandes = parsed.lot.demandes.flatMap((l) => (l.ok ? [l.demande] : []));
  const judgements = judgeDemandes(demandes, { guichet, receptionDay, reference });
  return parsed.lot.demandes.map((l) => (l.ok ? [...(judgements.get(l.demande.position)?.errors ?? [])] : [...l.errors]));
}

export function judgeEdits(edits: readonly Edit[], receptionDay = TODAY): DemandeError[] {
  const xml = edits.reduce((text, [from, to, nth]) => edit(text, from, to, nth), baseLot());
  return judgeXml(xml, receptionDay)[0]!;
}
