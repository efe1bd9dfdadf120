/**
 * One lot, as `lots show`: its outcome, who replayed it and when, each demande's result with the
 * errors' paths, values, messages and suggestions, its replies. Replaying it is two steps: a dry run shown as the
 * demande-by-demande change (src/pipeline/replay-report.ts), then the confirmed replay.
 */
import type { FastifyReply } from 'fastify';
import { describeReplay } from '../../pipeline/replay-report.js';
import { acteurLabel } from '../../registry/audit-labels.js';
import { acteurGestionnaire, type LotRecord } from '../../registry/model.js';
import { html } from '../html.js';
import { csrfField, parisTime } from '../layout.js';
import type { ConsoleRoutes, Viewer } from '../server.js';

const REPLY_STATES: Readonly<Record<string, string>> = { ENVOYE: 'envoyée', ECHEC: 'en échec', PRET: 'en attente d’envoi', A_PREPARER: 'à préparer' };

export function registerLot({ app, deps, send, viewer, notFound }: ConsoleRoutes): void {
  /** The lot of the URL, if the viewer may see it (else a 404 was sent). */
  async function visibleLot(id: string, v: Viewer, reply: FastifyReply): Promise<LotRecord | undefined> {
    const lot = /^\d{1,15}$/.test(id) ? await deps.registry.getLot(Number(id)) : undefined;
    if (lot && v.scope.seesLot(lot) && lot.guichet !== undefined) return lot;
    notFound(reply, v);
    return undefined;
  }

  app.get<{ Params: { id: string } }>('/lots/:id', async (request, reply) => {
    const v = viewer(request);
    const lot = await visibleLot(request.params.id, v, reply);
    if (!lot) return reply;
    const resultats = await deps.registry.lotResultats(lot.id);
    const replies = await deps.registry.outboxForLot(lot.id);
    const rejeux = await deps.registry.lotRejeux(lot.id);
    return send(
      reply,
      `Lot ${lot.id} — ${lot.identifiantLot ?? 'identifiant illisible'}`,
      html`
<p>Guichet ${lot.guichet} — <strong class="${lot.statut}">${lot.statut}</strong> — compte rendu version <span id="version">${lot.version}</span></p>
<p>Reçu le ${parisTime(lot.recuAt)}, traité le ${parisTime(lot.traiteAt)}${lot.expediteur ? `, de ${lot.expediteur}` : ''}.</p>
${lot.empreinte ? html`<p>Empreinte <code>${lot.empreinte}</code></p>` : ''}
${rejeux.length === 0 ? '' : html`<ul id="rejeux">${rejeux.map((j) => html`<li>Rejoué le ${parisTime(j.at)} par ${acteurLabel(j.par)} : <span class="${j.statut}">${j.statut}</span>, compte rendu version ${j.version}</li>`)}</ul>`}
${lot.doublonDe !== undefined ? html`<p class="notice">Même lot que le lot <a href="/lots/${lot.doublonDe}">${lot.doublonDe}</a> : rien enregistré, compte rendu renvoyé.</p>` : ''}
${lot.erreurs.map((e) => html`<p class="REJETE">✘ ${e.code} : ${e.message}</p>`)}
<h2>Demandes</h2>
<table><tr><th>#</th><th>Référence</th><th>Type</th><th>Résultat</th><th>Numéro unique</th><th>Erreurs</th></tr>
${resultats.map(
  (r) => html`<tr><td>${r.position}</td><td>${r.reference ?? '—'}</td><td>${r.typeFichier ?? ''}</td><td class="${r.statut}">${r.statut}</td>
<td>${r.numeroUnique ? html`<a href="/demandes?numero=${r.numeroUnique}">${r.numeroUnique}</a>` : ''}</td>
<td>${r.erreurs.map((e) => html`<div class="erreur">✘ <strong>${e.code}</strong> à <span class="chemin">${e.chemin}</span>${e.valeur === undefined ? '' : html` (valeur « ${e.valeur} »)`} : ${e.message}${e.suggestion ? html`<br>→ ${e.suggestion}` : ''}</div>`)}</td></tr>`,
)}</table>
<h2>Réponses</h2>
<ul>${replies.map((r) => html`<li>${r.kind} <code>${r.messageId}</code> — ${REPLY_STATES[r.statut] ?? r.statut}${r.derniereErreur ? ` (dernière erreur : ${r.derniereErreur})` : ''}</li>`)}</ul>
${lot.doublonDe === undefined && lot.statut !== 'QUARANTAINE'
  ? html`<form method="post" action="/lots/${lot.id}/simulation">${csrfField(v.csrf)}<button>Simuler un rejeu avec les règles actuelles</button></form>`
  : ''}`,
      v,
    );
  });

  app.post<{ Params: { id: string } }>('/lots/:id/simulation', async (request, reply) => {
    const v = viewer(request);
    const lot = await visibleLot(request.params.id, v, reply);
    if (!lot) return reply;
    const result = await deps.replay(lot.id, { dryRun: true, par: acteurGestionnaire(v.nom) });
    const lines = describeReplay(result);
    return send(
      reply,
      `Simulation du rejeu du lot ${lot.id}`,
      html`<p>Rien n’est encore enregistré ni envoyé. Changements par demande :</p>
<div class="diff" id="diff">${lines.map((line) => html`<div class="${/passerait|→ (ACCEPTE|PARTIEL)/.test(line) ? 'ajoute' : /échoue|non rejoué|✘/.test(line) ? 'retire' : ''}">${line}</div>`)}</div>
${result.refus === undefined
  ? html`<form method="post" action="/lots/${lot.id}/rejeu">${csrfField(v.csrf)}<button>Confirmer le rejeu (compte rendu version ${result.versionApres})</button></form>`
  : ''}
<p><a href="/lots/${lot.id}">Revenir au lot sans rejouer</a></p>`,
      v,
    );
  });

  app.post<{ Params: { id: string } }>('/lots/:id/rejeu', async (request, reply) => {
    const v = viewer(request);
    const lot = await visibleLot(request.params.id, v, reply);
    if (!lot) return reply;
    const result = await deps.replay(lot.id, { dryRun: false, par: acteurGestionnaire(v.nom) });
    deps.logger.info({ lotId: lot.id, version: result.versionApres, refus: result.refus !== undefined }, 'console replay');
    if (result.refus === undefined) deps.repliesQueued();
    return reply.redirect(`/lots/${lot.id}`, 303);
  });
}
