/**
 * What a replay changed, or would change (a dry run), in French: shown by `sne-gateway replay`,
 * `quarantine release` and the web console's replay page.
 */
import type { ResultatRecord } from '../registry/model.js';
import type { ReplayResult } from './replay.js';

const codes = (r: ResultatRecord) => r.erreurs.map((e) => e.code).join(', ');

/** The diff of outcomes, demande by demande: what now passes, what still fails and why. */
export function describeReplay(result: ReplayResult): string[] {
  const { lot, before, after } = result;
  const lines = [
    `Lot ${lot.id} (${lot.identifiantLot ?? 'identifiant illisible'}, guichet ${lot.guichet ?? 'inconnu'}) : ${before.statut} → ${after.statut}${result.dryRun ? ` [simulation : rien n’est enregistré ; le compte rendu serait en version ${result.versionApres}]` : `, compte rendu version ${result.versionApres}`}`,
  ];
  if (result.refus) return [...lines, `  non rejoué : ${result.refus}`];
  for (const e of after.erreurs) lines.push(`  ✘ lot : ${e.code} — ${e.message}`);
  const previous = new Map(before.resultats.map((r) => [r.position, r]));
  for (const r of after.resultats) {
    const was = previous.get(r.position);
    const label = `  [${r.position}] ${r.reference ?? '—'}`;
    if (was && was.statut !== 'REJETEE') continue; // registered before: kept as it was
    if (r.statut !== 'REJETEE') {
      lines.push(`${label} : ${was ? `${was.statut} (${codes(was)})` : 'nouvelle'} → ${result.dryRun ? 'passerait' : 'passe'} : ${r.statut}${result.dryRun ? '' : ` ${r.numeroUnique ?? ''}`}`);
    } else {
      for (const e of r.erreurs) lines.push(`${label} : échoue encore — ${e.code} à ${e.chemin} : ${e.message}${e.suggestion ? ` → ${e.suggestion}` : ''}`);
    }
  }
  if (!result.dryRun) lines.push(`  ${result.nouvelles} attestation(s) à envoyer`);
  return lines;
}

