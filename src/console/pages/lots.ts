/** The lots of the gestionnaire's guichets: filters by guichet, statut and day; search by identifiant. */
import { filterLots, LOT_STATUTS, type LotFilter } from '../../pipeline/lot-selection.js';
import type { LotStatut } from '../../registry/model.js';
import { html } from '../html.js';
import { parisTime } from '../layout.js';
import type { ConsoleRoutes } from '../server.js';

type Query = { guichet?: string; statut?: string; date?: string; identifiant?: string };

const STATUTS = Object.values(LOT_STATUTS);

export function registerLots({ app, deps, send, viewer }: ConsoleRoutes): void {
  app.get<{ Querystring: Query }>('/lots', async (request, reply) => {
    const v = viewer(request);
    const q = request.query;
    const statut = STATUTS.find((s) => s === q.statut);
    const filter: LotFilter = {
      ...(q.guichet ? { guichet: q.guichet } : {}),
      ...(statut ? { statut: statut as LotStatut } : {}),
      ...(q.date && /^\d{4}-\d{2}-\d{2}$/.test(q.date) ? { day: q.date } : {}),
      ...(q.identifiant ? { identifiant: q.identifiant.trim() } : {}),
    };
    const lots = filterLots(await deps.registry.listLots(), filter)
      .filter((l) => l.guichet !== undefined && v.scope.seesLot(l))
      .reverse();
    const option = (value: string, label: string, current?: string) => html`<option value="${value}"${value === current ? html` selected` : ''}>${label}</option>`;
    return send(
      reply,
      'Lots',
      html`
<form method="get" action="/lots">
<label>Guichet <select name="guichet">${option('', 'tous', q.guichet)}${v.scope.guichets.map((g) => option(g.code, `${g.code} — ${g.nom}`, q.guichet))}</select></label>
<label>Statut <select name="statut">${option('', 'tous', q.statut)}${STATUTS.map((s) => option(s, s, q.statut))}</select></label>
<label>Reçu le <input type="date" name="date" value="${q.date ?? ''}"></label>
<label>Identifiant <input type="search" name="identifiant" value="${q.identifiant ?? ''}"></label>
<button>Filtrer</button></form>
<p>${lots.length} lot(s), du plus récent au plus ancien.</p>
<table><tr><th>Lot</th><th>Reçu le</th><th>Guichet</th><th>Identifiant</th><th>Statut</th><th>Erreurs</th></tr>
${lots.map((l) => html`<tr><td><a href="/lots/${l.id}">${l.id}</a></td><td>${parisTime(l.recuAt)}</td><td>${l.guichet}</td><td>${l.identifiantLot ?? '—'}</td><td class="${l.statut}">${l.statut}</td><td>${l.doublonDe !== undefined ? `reçu à nouveau (lot ${l.doublonDe})` : l.erreurs.map((e) => e.code).join(', ')}</td></tr>`)}
</table>`,
      v,
    );
  });
}
