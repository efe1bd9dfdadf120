/**
 * The quarantine, as `quarantine list|release|delete`: a message is released once its sender is an
 * address of one of the gestionnaire's guichets; deleting one keeps the trace of who deleted it
 * (`gestionnaire:NOM`, as the CLI's).
 */
import { quarantineEntries } from '../../pipeline/quarantine.js';
import { acteurGestionnaire, type LotRecord } from '../../registry/model.js';
import { html } from '../html.js';
import { csrfField, parisTime } from '../layout.js';
import type { ConsoleRoutes, Viewer } from '../server.js';

export function registerQuarantaine({ app, deps, send, viewer, notFound }: ConsoleRoutes): void {
  async function waiting(id: string, v: Viewer): Promise<LotRecord | undefined> {
    const lot = /^\d{1,15}$/.test(id) ? await deps.registry.getLot(Number(id)) : undefined;
    return lot && lot.statut === 'QUARANTAINE' && lot.supprimeAt === undefined && v.scope.seesLot(lot) ? lot : undefined;
  }

  app.get<{ Querystring: { message?: string } }>('/quarantaine', async (request, reply) => {
    const v = viewer(request);
    const entries = await quarantineEntries(deps.registry, false);
    const message = request.query.message;
    return send(
      reply,
      'Quarantaine',
      html`${message ? html`<p class="notice" role="status">${message}</p>` : ''}
<p>Messages d’expéditeurs qui ne sont l’adresse d’aucun guichet actif, gardés sans réponse.</p>
${entries.length === 0 ? html`<p>Aucun message en quarantaine.</p>` : html`<table><tr><th>Lot</th><th>Reçu le</th><th>Expéditeur</th><th>Message-ID</th><th>Taille (o)</th><th></th></tr>
${entries.map(
  (q) => html`<tr><td>${q.lot}</td><td>${parisTime(q.recuAt)}</td><td>${q.expediteur ?? '(illisible)'}</td><td><code>${q.messageId ?? '—'}</code></td><td>${q.taille}</td><td>
${v.scope.seesGuichet(q.guichetActuel) ? html`<form class="inline" method="post" action="/quarantaine/${q.lot}/liberer">${csrfField(v.csrf)}<button>Traiter (guichet ${q.guichetActuel})</button></form>` : ''}
<form class="inline" method="post" action="/quarantaine/${q.lot}/supprimer">${csrfField(v.csrf)}<button>Supprimer</button></form></td></tr>`,
)}</table>`}
<p>Pour traiter un message, l’exploitant enrôle d’abord son expéditeur comme adresse d’un guichet.</p>`,
      v,
    );
  });

  app.post<{ Params: { id: string } }>('/quarantaine/:id/liberer', async (request, reply) => {
    const v = viewer(request);
    const lot = await waiting(request.params.id, v);
    const guichet = lot?.expediteur === undefined ? undefined : await deps.registry.guichetBySender(lot.expediteur);
    if (!lot || !v.scope.seesGuichet(guichet?.code)) return notFound(reply, v);
    const result = await deps.replay(lot.id, { dryRun: false, par: acteurGestionnaire(v.nom) });
    if (result.refus === undefined) deps.repliesQueued();
    deps.logger.info({ lotId: lot.id, refus: result.refus !== undefined }, 'console quarantine release');
    if (result.refus !== undefined) return reply.redirect(`/quarantaine?message=${encodeURIComponent(`Lot ${lot.id} non traité : ${result.refus}`)}`, 303);
    return reply.redirect(`/lots/${lot.id}`, 303);
  });

  app.post<{ Params: { id: string } }>('/quarantaine/:id/supprimer', async (request, reply) => {
    const v = viewer(request);
    const lot = await waiting(request.params.id, v);
    if (!lot) return notFound(reply, v);
    await deps.registry.deleteQuarantined(lot.id, deps.clock.now(), acteurGestionnaire(v.nom));
    deps.logger.info({ lotId: lot.id }, 'console quarantine delete');
    return reply.redirect(`/quarantaine?message=${encodeURIComponent(`Message du lot ${lot.id} supprimé ; la trace de la suppression est gardée.`)}`, 303);
  });
}
