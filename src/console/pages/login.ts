/**
 * The login page (the root, for anyone not logged in) and logging out. Attempts are rate-limited
 * per client address; an unknown account costs the same scrypt work as a wrong password.
 */
import { DUMMY_HASH, verifyPassword } from '../password.js';
import { html } from '../html.js';
import { csrfField } from '../layout.js';
import type { ConsoleRoutes } from '../server.js';
import { closeSession, openSession } from '../session.js';

export function registerLogin({ app, deps, send, loggedIn }: ConsoleRoutes): void {
  const cookies = { secure: deps.tls !== undefined };
  const form = (csrf: string, refused: boolean) => html`
${refused ? html`<p class="notice" role="alert">Nom ou mot de passe incorrect, ou compte désactivé.</p>` : ''}
<form method="post" action="/connexion">${csrfField(csrf)}
<p><label for="nom">Nom</label><input id="nom" name="nom" autocomplete="username" required autofocus></p>
<p><label for="motDePasse">Mot de passe</label><input id="motDePasse" name="motDePasse" type="password" autocomplete="current-password" required></p>
<p><button>Se connecter</button></p></form>
<p>Un compte est créé par l’exploitant : <code>sne-gateway gestionnaires add NOM --territoires 93</code>.</p>`;

  app.get('/', async (request, reply) => {
    if (loggedIn(request)) return reply.redirect('/activite', 303);
    return send(reply, 'Connexion', form(reply.generateCsrf(), false));
  });

  app.post<{ Body: { nom?: string; motDePasse?: string } }>(
    '/connexion',
    { config: { rateLimit: { max: deps.loginsPerMinute, timeWindow: 60_000 } } },
    async (request, reply) => {
      const nom = String(request.body?.nom ?? '');
      const motDePasse = String(request.body?.motDePasse ?? '');
      const compte = nom === '' ? undefined : await deps.registry.getGestionnaire(nom);
      const ok = await verifyPassword(motDePasse, compte?.motDePasse ?? DUMMY_HASH);
      if (!compte || !compte.actif || !ok) {
        deps.logger.info({ outcome: 'refused' }, 'console login');
        return send(reply, 'Connexion', form(reply.generateCsrf(), true), undefined, 401);
      }
      openSession(reply, compte, deps.clock, cookies);
      deps.logger.info({ outcome: 'accepted' }, 'console login');
      return reply.redirect('/activite', 303);
    },
  );

  app.post('/deconnexion', async (_request, reply) => {
    closeSession(reply, cookies);
    return reply.redirect('/', 303);
  });
}
