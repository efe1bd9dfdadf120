/**
 * The web console's listener (fastify and its cookie, form, CSRF and rate-limit plugins are
 * imported by this folder only): the login page at the root for anyone not logged in, every other
 * page behind the session, every POST behind its CSRF token. Pages are one module each
 * (pages/), given the gestionnaire's scope (access.ts).
 */
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { ReplayOptions, ReplayResult } from '../pipeline/replay.js';
import type { Registry } from '../registry/registry.js';
import { Scope } from './access.js';
import { html, type Html } from './html.js';
import { page, type PageUser } from './layout.js';
import { registerActivite } from './pages/activite.js';
import { registerDemandes } from './pages/demandes.js';
import { registerGuichets } from './pages/guichets.js';
import { registerLogin } from './pages/login.js';
import { registerLot } from './pages/lot.js';
import { registerLots } from './pages/lots.js';
import { registerQuarantaine } from './pages/quarantaine.js';
import { registerRecherche } from './pages/recherche.js';
import { sessionGestionnaire } from './session.js';

export interface ConsoleDeps {
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
  /** A stored lot through the current rules (src/pipeline/replay.ts), on the daemon's judge, recorded under `options.par`. */
  readonly replay: (lotId: number, options: ReplayOptions) => Promise<ReplayResult>;
  /** A replay queued replies: the outbox sends them. */
  readonly repliesQueued: () => void;
  /** Signs the session and CSRF cookies (secret.ts). */
  readonly secret: string;
  /** Served over TLS: cookies are then `Secure`. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Login attempts allowed per client address and minute. */
  readonly loginsPerMinute: number;
}

/** What a page handler knows of the request: who, what they see, the CSRF token for its forms. */
export interface Viewer extends PageUser {
  readonly scope: Scope;
}

export interface ConsoleRoutes {
  readonly app: FastifyInstance;
  readonly deps: ConsoleDeps;
  /** The logged-in viewer (every route but the login's is behind the session). */
  viewer(request: FastifyRequest): Viewer;
  /** The viewer, if logged in (the public routes). */
  loggedIn(request: FastifyRequest): Viewer | undefined;
  /** Sends a page. */
  send(reply: FastifyReply, title: string, body: Html, viewer?: PageUser, status?: number): FastifyReply;
  notFound(reply: FastifyReply, viewer?: PageUser): FastifyReply;
}

/** Routes anyone reaches: the login page and its form. */
const PUBLIC = new Set(['/', '/connexion']);

export async function buildConsole(deps: ConsoleDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, ...(deps.tls ? { https: { cert: deps.tls.cert, key: deps.tls.key } } : {}) }) as unknown as FastifyInstance;
  const secure = deps.tls !== undefined;
  await app.register(fastifyCookie, { secret: deps.secret });
  await app.register(fastifyFormbody);
  await app.register(fastifyCsrf, { cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', secure, path: '/' } });
  await app.register(fastifyRateLimit, { global: false });

  const viewers = new WeakMap<FastifyRequest, Viewer>();
  const send: ConsoleRoutes['send'] = (reply, title, body, viewer, status = 200) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page(title, body, viewer).text);
  const routes: ConsoleRoutes = {
    app,
    deps,
    viewer: (request) => viewers.get(request)!,
    loggedIn: (request) => viewers.get(request),
    send,
    notFound: (reply, viewer) => send(reply, 'Introuvable', html`<p>Cette page n’existe pas, ou ne relève pas de vos territoires.</p>`, viewer, 404),
  };

  app.addHook('preHandler', async (request, reply) => {
    // Every POST, the login's included, carries the token of the form it came from.
    if (request.method === 'POST') await new Promise<void>((resolve, reject) => app.csrfProtection(request, reply, (error?: Error) => (error ? reject(error) : resolve())));
    const path = request.url.split('?')[0]!;
    const gestionnaire = await sessionGestionnaire(request, deps.registry, deps.clock);
    if (gestionnaire === undefined) {
      if (!PUBLIC.has(path)) return reply.redirect('/', 303);
      return;
    }
    viewers.set(request, { nom: gestionnaire.nom, csrf: reply.generateCsrf(), scope: await Scope.of(deps.registry, gestionnaire) });
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const viewer = viewers.get(request);
    if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
      return send(reply, 'Formulaire refusé', html`<p>Ce formulaire a expiré ou ne vient pas de la console : rechargez la page et recommencez.</p>`, viewer, 403);
    }
    if (error.statusCode === 429) {
      return send(reply, 'Trop de tentatives', html`<p>Trop de tentatives de connexion : réessayez dans une minute.</p>`, undefined, 429);
    }
    if (error.statusCode !== undefined && error.statusCode < 500) return send(reply, 'Requête invalide', html`<p>La requête n’a pas pu être lue.</p>`, viewer, error.statusCode);
    deps.logger.error({ err: error, path: request.url.split('?')[0] }, 'console page failed');
    return send(reply, 'Erreur', html`<p>Une erreur est survenue ; elle est consignée dans le journal de la passerelle.</p>`, viewer, 500);
  });
  app.setNotFoundHandler((request, reply) => routes.notFound(reply, viewers.get(request)));

  registerLogin(routes);
  registerActivite(routes);
  registerLots(routes);
  registerLot(routes);
  registerQuarantaine(routes);
  registerGuichets(routes);
  registerDemandes(routes);
  registerRecherche(routes);
  return app;
}
