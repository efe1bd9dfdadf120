/**
 * A demandeur's demandes, ACTIVE and RADIEE (a suspected doublon), as `demandes search`: the same
 * key (`cleRecherche`, the doublon rule's comparison) and the same registry read, restricted to the
 * demandes the gestionnaire sees (another territory's are not shown, not even counted). The form is
 * posted, not sent in the URL: a nom and a birth date stay out of the browser's history and of any
 * proxy's access log.
 */
import { radiationLabel } from '../../registry/audit-labels.js';
import { cleRecherche } from '../../registry/doublon.js';
import { html } from '../html.js';
import { csrfField } from '../layout.js';
import type { ConsoleRoutes, Viewer } from '../server.js';

type Body = { nom?: string; prenom?: string; naissance?: string };

const TITLE = 'Recherche d’un demandeur';

export function registerRecherche({ app, deps, send, viewer }: ConsoleRoutes): void {
  const form = (v: Viewer, q: Body) => html`<form method="post" action="/recherche">${csrfField(v.csrf)}
<label>Nom <input name="nom" value="${q.nom ?? ''}" required autocomplete="off"></label>
<label>Prénom <input name="prenom" value="${q.prenom ?? ''}" required autocomplete="off"></label>
<label>Date de naissance <input type="date" name="naissance" value="${q.naissance ?? ''}" required></label>
<button>Chercher</button></form>
<p>Nom et prénom sont comparés comme la règle des doublons les compare : sans casse, accents, espaces ni tirets.</p>`;

  app.get('/recherche', async (request, reply) => {
    const v = viewer(request);
    return send(reply, TITLE, form(v, {}), v);
  });

  app.post<{ Body: Body }>('/recherche', async (request, reply) => {
    const v = viewer(request);
    const q = { nom: String(request.body?.nom ?? ''), prenom: String(request.body?.prenom ?? ''), naissance: String(request.body?.naissance ?? '') };
    const key = cleRecherche(q.nom, q.prenom, q.naissance);
    if ('invalide' in key) {
      const why = key.invalide === 'naissance' ? `« ${q.naissance} » n’est pas une date de naissance (AAAA-MM-JJ).` : 'Le nom et le prénom doivent contenir au moins une lettre ou un chiffre.';
      return send(reply, TITLE, html`${form(v, q)}<p class="notice" role="alert">${why}</p>`, v, 400);
    }
    const found = (await deps.registry.searchDemandes(key.cle)).filter((d) => v.scope.seesDemande(d));
    deps.logger.info({ found: found.length }, 'console demandeur search');
    const actives = found.filter((d) => d.statut === 'ACTIVE').length;
    return send(
      reply,
      TITLE,
      html`${form(v, q)}
${found.length === 0
  ? html`<p id="resultat">Aucune demande pour ce demandeur sur vos territoires.</p>`
  : html`<p id="resultat">${found.length} demande(s) pour ce demandeur sur vos territoires, dont ${actives} active(s) :</p>
<table><tr><th>Numéro unique</th><th>Statut</th><th>Territoire</th><th>Guichet</th><th>Dépôt</th><th>Renouvellement</th><th>Échéance</th><th>Radiation</th></tr>
${found.map(
  (d) => html`<tr><td><a href="/demandes?numero=${d.numeroUnique}">${d.numeroUnique}</a></td><td>${d.statut}</td><td>${d.territoire}</td><td>${d.guichet}</td>
<td>${d.dateDepot}</td><td>${d.dateRenouvellement ?? ''}</td><td>${d.dateEcheance}</td><td>${radiationLabel(d)}</td></tr>`,
)}</table>`}`,
      v,
    );
  });
}
