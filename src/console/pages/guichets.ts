/** The gestionnaire's guichets, read-only: addresses, keys and their expiry, certificates, habilitations, canal. */
import { inspectPublicKey } from '../../crypto/index.js';
import { html } from '../html.js';
import { parisTime } from '../layout.js';
import type { ConsoleRoutes } from '../server.js';

export function registerGuichets({ app, send, viewer }: ConsoleRoutes): void {
  app.get('/guichets', async (request, reply) => {
    const v = viewer(request);
    const sections = await Promise.all(
      v.scope.guichets.map(async (g) => {
        const keys = await Promise.all(g.cles.map((k) => inspectPublicKey(k.armored).catch(() => undefined)));
        return html`<section><h2>${g.code} — ${g.nom} ${g.actif ? '' : '(désactivé)'}</h2>
<table>
<tr><th>Adresse</th><td>${g.adresse.split('\n').map((l) => html`${l}<br>`)}</td></tr>
<tr><th>Départements habilités</th><td>${g.departements.join(', ')}</td></tr>
<tr><th>Adresses d’envoi</th><td>${g.expediteurs.join(', ')}</td></tr>
<tr><th>Adresses de réponse</th><td>${g.destinataires.join(', ')}</td></tr>
<tr><th>Canal</th><td>${g.canal}</td></tr>
<tr><th>Clés OpenPGP</th><td>${g.cles.map((k, i) => {
          const info = keys[i];
          return html`<div><code>${k.fingerprint}</code> ${info === undefined ? '(illisible)' : info.revoked ? '(révoquée)' : info.expiresAt ? `expire le ${parisTime(info.expiresAt.toISOString())}` : 'sans échéance'}</div>`;
        })}</td></tr>
<tr><th>Certificats clients</th><td>${g.certificats.length === 0 ? 'aucun' : g.certificats.map((c) => html`<div><code>${c}</code></div>`)}</td></tr>
</table></section>`;
      }),
    );
    return send(reply, 'Guichets', html`${sections.length === 0 ? html`<p>Aucun guichet habilité pour vos départements.</p>` : sections}`, v);
  });
}
