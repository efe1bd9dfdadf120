/**
 * The synchronous channel (spec 7): lots over HTTPS with client certificates, through the same
 * pipeline as mail. The only module importing fastify and its plugins. TLS asks every client for
 * a certificate but lets the handshake through without one (`rejectUnauthorized: false`): who the
 * guichet is comes from the registry (the certificate's SHA-256 fingerprint), not from a CA, and a
 * request without an acceptable certificate gets a readable `401` instead of a failed handshake.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { homePath } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { LIMITS } from '../limits.js';
import { readReplyAttachment, readReplyFile } from '../mail/mime-in.js';
import { processSubmission, type Outcome, type PipelineDeps } from '../pipeline/process.js';
import type { Guichet, LotRecord, OutboxItem } from '../registry/model.js';
import { attestationMessageId } from '../replies/message-ids.js';
import { sealedNow, type PrepareDeps } from '../replies/prepare.js';
import { normalizeFingerprint } from './certificates.js';
import { problem, PROBLEM_SCHEMA, RETRY_AFTER_SECONDS, type HttpProblemCode } from './problems.js';

export interface HttpsChannelDeps {
  readonly config: Readonly<Config>;
  readonly pipeline: PipelineDeps;
  readonly prepare: PrepareDeps;
  /**
   * Told each lot's outcome before its answer: a committed one's attestations are for the outbox
   * pass to prepare, and every outcome is for the metrics (channel `https`).
   */
  readonly onOutcome?: (outcome: Outcome) => void;
}

export interface HttpsChannel {
  /** The port it listens on (the configured one, or the one given for port 0 in tests). */
  readonly port: number;
  /** Graceful: new requests get 503, those in flight finish (at most `http.drainMs`). */
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    guichet?: Guichet;
  }
}

const ENCRYPTED_TYPES = ['application/octet-stream', 'application/pgp-encrypted'];
const PUBLIC_PATHS = new Set(['/v1/openapi.json']);

/** `listen.port` overrides `http.port` (tests listen on 0). */
export async function startHttpsChannel(deps: HttpsChannelDeps, listen: { port?: number } = {}): Promise<HttpsChannel> {
  const { config, pipeline } = deps;
  const { registry, clock } = pipeline;
  const log = pipeline.logger.child({ component: 'https' });
  let draining = false;
  /** Requests taken before the stop: they finish during the drain. */
  const inFlight = new Set<string>();
  let drained: (() => void) | undefined;
  const settled = (request: FastifyRequest) => {
    if (inFlight.delete(request.id) && inFlight.size === 0) drained?.();
  };

  const app = Fastify({
    https: {
      cert: readFileSync(homePath(config, config.http.certFile)),
      key: readFileSync(homePath(config, config.http.keyFile)),
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    },
    bodyLimit: LIMITS.attachmentBytes,
    logger: false,
    // Requests arriving while it drains get the channel's own 503 (problem+json, Retry-After) from
    // the onRequest hook, not fastify's bare one.
    return503OnClosing: false,
    genReqId: () => randomUUID(),
  });

  // A body over the limit is refused before it is sent: a client that asks first (`Expect:
  // 100-continue`, as curl does for any sizeable body) gets its 413 instead of the go-ahead, rather
  // than a connection closed under a 4 MiB upload (curl then reports a broken pipe, not the 413).
  app.server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    if (Number(request.headers['content-length'] ?? 0) <= LIMITS.attachmentBytes) {
      response.writeContinue();
      app.server.emit('request', request, response);
      return;
    }
    const body = JSON.stringify(problem('LOT_TAILLE'));
    response.writeHead(problem('LOT_TAILLE').status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), connection: 'close' });
    response.end(body);
  });

  const send = (reply: FastifyReply, code: HttpProblemCode, detail?: string) => {
    if (problem(code).status === 503) reply.header('Retry-After', String(RETRY_AFTER_SECONDS));
    return reply.code(problem(code).status).type('application/problem+json').send(problem(code, detail));
  };

  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, request, reply) => {
    if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(reply, 'LOT_TAILLE');
    if (error.statusCode === 415 || error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return send(reply, 'REQUETE_TYPE');
    if (error.statusCode === 429) return send(reply, 'TROP_DE_REQUETES', error.message);
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) return send(reply, 'REQUETE_INVALIDE', error.message);
    log.error({ err: error, request: request.id }, 'request failed');
    return send(reply, 'ERREUR_INTERNE');
  });
  app.setNotFoundHandler((_request, reply) => send(reply, 'INTROUVABLE'));
  // Lots only: fastify's own JSON and text parsers would take other bodies first (a lot posted as
  // application/json failing its JSON parse with 400) instead of the 415 REQUETE_TYPE they get.
  app.removeAllContentTypeParsers();
  for (const type of ENCRYPTED_TYPES) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: LIMITS.attachmentBytes }, (_request, body, done) => done(null, body));
  }

  // Who is asking, before anything else is read: the certificate's fingerprint, valid today, of an active guichet.
  app.addHook('onRequest', async (request, reply) => {
    if (draining) return send(reply, 'INDISPONIBLE', 'La passerelle s’arrête.');
    inFlight.add(request.id);
    if (PUBLIC_PATHS.has(request.url)) return;
    const peer = (request.raw.socket as TLSSocket).getPeerCertificate?.();
    const empreinte = peer?.fingerprint256 === undefined ? undefined : normalizeFingerprint(peer.fingerprint256);
    if (empreinte === undefined) return send(reply, 'AUTH_CERTIFICAT', 'Aucun certificat client présenté.');
    const now = clock.now();
    if (new Date(peer.valid_to) < now || new Date(peer.valid_from) > now) {
      return send(reply, 'AUTH_CERTIFICAT', `Le certificat ${empreinte} n'est pas valable à cette date.`);
    }
    const guichet = await registry.guichetByCertificate(empreinte);
    if (!guichet) return send(reply, 'AUTH_CERTIFICAT', `Le certificat ${empreinte} n'est celui d'aucun guichet actif.`);
    request.guichet = guichet;
  });

  app.addHook('onResponse', async (request) => settled(request));
  app.addHook('onRequestAbort', async (request) => settled(request));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'sne-gateway — canal synchrone (HTTPS)', version: '1.1', description: 'Spécification v1.1, section 7.' },
    },
  });
  await app.register(rateLimit, {
    hook: 'preHandler',
    max: config.http.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => request.guichet?.code ?? request.ip,
    errorResponseBuilder: (_request, context) => ({ statusCode: 429, message: `Limite de ${context.max} requêtes par minute atteinte.` }),
  });

  const problems = { 401: PROBLEM_SCHEMA, 404: PROBLEM_SCHEMA, 413: PROBLEM_SCHEMA, 415: PROBLEM_SCHEMA, 429: PROBLEM_SCHEMA, 503: PROBLEM_SCHEMA };
  const encrypted = { description: 'Message OpenPGP signé par la clé nationale et chiffré pour le guichet', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } };
  const identifiant = { type: 'object', required: ['identifiantLot'], properties: { identifiantLot: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,40}$' } } } as const;

  /** The lot of this guichet under this identifiant (the first one holding it), or a 404. */
  const lotOf = async (request: FastifyRequest, reply: FastifyReply): Promise<LotRecord | undefined> => {
    const { identifiantLot } = request.params as { identifiantLot: string };
    const lot = await registry.lotByIdentifiant(request.guichet!.code, identifiantLot);
    if (!lot) send(reply, 'INTROUVABLE', `Aucun lot ${identifiantLot} de ce guichet.`);
    return lot;
  };

  /** The lot's latest compte rendu, sealed now if the outbox has not come by yet. */
  const compteRendu = async (lot: LotRecord): Promise<Uint8Array | undefined> => {
    const item = [...await registry.outboxForLot(lot.id)].reverse().find((i) => i.kind === 'compte-rendu');
    const raw = item === undefined ? undefined : await sealedNow(item, deps.prepare);
    return raw === undefined ? undefined : readReplyAttachment(raw);
  };

  const sendLot = async (reply: FastifyReply, lot: LotRecord, payload: Uint8Array) => {
    reply.header('Sne-Statut', lot.statut === 'QUARANTAINE' ? 'REJETE' : lot.statut);
    if (lot.identifiantLot !== undefined) {
      reply.header('Sne-Lot', lot.identifiantLot).header('Location', `/v1/lots/${encodeURIComponent(lot.identifiantLot)}`);
    }
    return reply.code(200).type('application/octet-stream').send(Buffer.from(payload));
  };

  app.post(
    '/v1/lots',
    {
      schema: {
        summary: 'Dépose un lot et reçoit son compte rendu',
        description: "Le corps est le message OpenPGP du lot (section 2), binaire ou en armure ASCII. Le lot est jugé et enregistré avant la réponse ; un lot refusé en entier reçoit aussi 200 et son compte rendu REJETE.",
        consumes: ENCRYPTED_TYPES,
        response: { 200: { ...encrypted, headers: { 'Sne-Statut': { type: 'string', enum: ['ACCEPTE', 'PARTIEL', 'REJETE'] }, 'Sne-Lot': { type: 'string' }, Location: { type: 'string' } } }, ...problems },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (!Buffer.isBuffer(body)) return send(reply, 'REQUETE_TYPE');
      const guichet = request.guichet!;
      const outcome = await processSubmission(
        { canal: 'https', guichet: guichet.code, source: `https:${request.id}`, original: body, sizeBytes: body.length, receivedAt: clock.now() },
        pipeline,
      );
      deps.onOutcome?.(outcome);
      if (outcome.kind !== 'committed') return send(reply, 'INDISPONIBLE', 'Le lot n’a pas été enregistré : renvoyez-le.');
      const payload = await compteRendu(outcome.lot);
      if (payload === undefined) throw new Error(`lot ${outcome.lot.id}: no compte rendu to answer with`);
      return sendLot(reply, outcome.lot, payload);
    },
  );

  app.get(
    '/v1/lots/:identifiantLot',
    { schema: { summary: 'Le dernier compte rendu du lot', params: identifiant, response: { 200: encrypted, ...problems } } },
    async (request, reply) => {
      const lot = await lotOf(request, reply);
      if (!lot) return reply;
      const payload = await compteRendu(lot);
      if (payload === undefined) return send(reply, 'INTROUVABLE', 'Ce lot n’a pas de compte rendu.');
      return sendLot(reply, lot, payload);
    },
  );

  /** The lot's attestations: one per demande registered (CRE) or renewed (REN), with its outbox item. */
  const attestations = async (lot: LotRecord) => {
    const items = new Map<string, OutboxItem>((await registry.outboxForLot(lot.id)).filter((i) => i.kind === 'attestation').map((i) => [i.messageId, i]));
    const key = { guichet: lot.guichet!, lotId: lot.id, ...(lot.identifiantLot === undefined ? {} : { identifiantLot: lot.identifiantLot }) };
    return (await registry.lotResultats(lot.id)).flatMap((r) => {
      const kind = r.statut === 'ENREGISTREE' ? 'CRE' : r.statut === 'RENOUVELEE' ? 'REN' : undefined;
      if (kind === undefined || r.reference === undefined) return [];
      const item = items.get(attestationMessageId(pipeline.settings.messageIdDomain, key, r.reference, kind));
      return item === undefined ? [] : [{ reference: r.reference, typeFichier: kind, item }];
    });
  };

  app.get(
    '/v1/lots/:identifiantLot/attestations',
    {
      schema: {
        summary: 'Les attestations du lot',
        params: identifiant,
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              required: ['reference', 'typeFichier', 'pret', 'href'],
              properties: { reference: { type: 'string' }, typeFichier: { type: 'string', enum: ['CRE', 'REN'] }, pret: { type: 'boolean' }, href: { type: 'string' } },
            },
          },
          ...problems,
        },
      },
    },
    async (request, reply) => {
      const lot = await lotOf(request, reply);
      if (!lot) return reply;
      return (await attestations(lot)).map(({ reference, typeFichier, item }) => ({
        reference,
        typeFichier,
        pret: item.statut === 'PRET' || item.statut === 'ENVOYE',
        href: `/v1/lots/${encodeURIComponent(lot.identifiantLot!)}/attestations/${encodeURIComponent(reference)}`,
      }));
    },
  );

  app.get(
    '/v1/lots/:identifiantLot/attestations/:reference',
    {
      schema: {
        summary: "L'attestation d'une demande du lot (404 tant qu'elle n'est pas prête)",
        params: { type: 'object', required: ['identifiantLot', 'reference'], properties: { ...identifiant.properties, reference: { type: 'string' } } },
        response: { 200: encrypted, ...problems },
      },
    },
    async (request, reply) => {
      const lot = await lotOf(request, reply);
      if (!lot) return reply;
      const { reference } = request.params as { reference: string };
      const found = (await attestations(lot)).find((a) => a.reference === reference);
      const raw = found === undefined ? undefined : (await registry.getOutbox(found.item.id))?.raw;
      const payload = raw === undefined ? undefined : await readReplyAttachment(raw);
      if (payload === undefined) return send(reply, 'INTROUVABLE', `Pas d'attestation prête pour la demande ${reference} de ce lot.`);
      return reply.code(200).type('application/octet-stream').send(Buffer.from(payload));
    },
  );

  /**
   * A document of the guichet's (a dispatching digest, a copie numérique), as its attachment: sealed
   * now if the outbox has not come by yet, as a lot's compte rendu is.
   */
  const documentFile = async (item: OutboxItem) => {
    const raw = await sealedNow(item, deps.prepare);
    return raw === undefined ? undefined : await readReplyFile(raw);
  };

  app.get(
    '/v1/documents',
    {
      schema: {
        summary: 'Les préavis, dispatchings et copies numériques du guichet, depuis une date (tous sans « depuis »)',
        querystring: { type: 'object', properties: { depuis: { type: 'string', format: 'date-time' } } },
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              required: ['type', 'nom', 'depose', 'href'],
              properties: { type: { type: 'string', enum: ['preavis', 'dispatching', 'copie'] }, nom: { type: 'string' }, depose: { type: 'string' }, href: { type: 'string' } },
            },
          },
          ...problems,
        },
      },
    },
    async (request) => {
      const { depuis } = request.query as { depuis?: string };
      const items = await registry.guichetDocuments(request.guichet!.code, depuis === undefined ? '' : new Date(depuis).toISOString());
      const listed = [];
      for (const item of items) {
        const file = await documentFile(item);
        if (file === undefined) continue;
        listed.push({ type: item.kind, nom: file.filename, depose: item.queuedAt ?? '', href: `/v1/documents/${item.id}` });
      }
      return listed;
    },
  );

  app.get(
    '/v1/documents/:id',
    {
      schema: {
        summary: 'Un préavis, un dispatching ou une copie numérique du guichet',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } },
        response: { 200: encrypted, ...problems },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: number };
      // Another guichet's document is not found, as its lots are not.
      const item = (await registry.guichetDocuments(request.guichet!.code, '')).find((i) => i.id === id);
      const file = item === undefined ? undefined : await documentFile(item);
      if (file === undefined) return send(reply, 'INTROUVABLE', `Aucun document ${id} de ce guichet.`);
      return reply.code(200).type('application/octet-stream').send(Buffer.from(file.content));
    },
  );

  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const address = await app.listen({ port: listen.port ?? config.http.port, host: config.http.host });
  const port = app.server.address() !== null && typeof app.server.address() === 'object' ? (app.server.address() as { port: number }).port : config.http.port;
  log.info({ address, port }, 'HTTPS channel listening');

  let closing: Promise<void> | undefined;
  // The drain: the listener stays open and answers 503 (with Retry-After) to new requests while
  // those in flight finish, for `http.drainMs` at most; then it closes, cutting what is left.
  const close = async (): Promise<void> => {
    draining = true;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      if (inFlight.size === 0) return resolve();
      drained = resolve;
      timer = setTimeout(resolve, config.http.drainMs);
    });
    clearTimeout(timer);
    app.server.closeAllConnections();
    await app.close();
    log.info('HTTPS channel closed');
  };
  return { port, close: () => (closing ??= close()) };
}
