/** A demande's history by numéro unique, as `demandes history`: who changed it, by which lot, when, what. */
import { ACTIONS, acteurLabel, DETAILS, demandeHeader } from '../../registry/audit-labels.js';
import { NUMERO_UNIQUE } from '../../registry/numero-unique.js';
import { html } from '../html.js';
import { parisTime } from '../layout.js';
import type { ConsoleRoutes } from '../server.js';

export function registerDemandes({ app, deps, send, viewer, notFound }: ConsoleRoutes): void {
  app.get<{ Querystring: { numero?: string } }>('/demandes', async (request, reply) => {
    const v = viewer(request);
    const numero = (request.query.numero ?? '').trim();
    const form = html`<form method="get" action="/demandes"><label>Numéro unique <input name="numero" value="${numero}" size="20"></label><button>Chercher</button></form>`;
    if (numero === '') return send(reply, 'Historique d’une demande', form, v);
    if (!NUMERO_UNIQUE.test(numero)) {
      return send(reply, 'Historique d’une demande', html`${form}<p class="notice">« ${numero} » n’est pas un numéro unique : 18 caractères, par exemple 1111126000001G1104.</p>`, v, 400);
    }
    const demande = await deps.registry.getDemande(numero);
    const history = await deps.registry.demandeHistory(numero);
    // A demande of another territory is answered as an unknown one; one gone from the registry by its trail's lots.
    const visible = demande ? v.scope.seesDemande(demande) : history.some((e) => e.acteur.startsWith('guichet:') && v.scope.seesGuichet(e.acteur.slice('guichet:'.length)));
    if (!visible) return notFound(reply, v);
    return send(
      reply,
      `Demande ${numero}`,
      html`${form}<p>${demandeHeader(numero, demande)}</p>
<table><tr><th>Quand</th><th>Action</th><th>Par</th><th>Lot</th><th>Détails</th></tr>
${history.map(
  (e) => html`<tr><td>${parisTime(e.at)}</td><td>${ACTIONS[e.action] ?? e.action} (${e.action})</td><td>${acteurLabel(e.acteur)}</td>
<td>${e.lotId === undefined ? 'sans lot' : html`<a href="/lots/${e.lotId}">lot ${e.lotId}</a> ${e.identifiantLot ?? ''}`}</td>
<td>${Object.entries(e.details ?? {}).filter(([, value]) => value !== '').map(([k, value]) => `${DETAILS[k] ?? k} ${value}`).join(' ; ')}</td></tr>`,
)}</table>`,
      v,
    );
  });
}
