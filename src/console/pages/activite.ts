/**
 * Today's activity (Europe/Paris day of the gateway's clock) on the gestionnaire's guichets: the
 * lots received, by outcome; the demandes they registered; rejections by code, as bars; and the
 * replies of those guichets' lots still in the outbox, with the oldest waiting one's age.
 */
import { parisDate } from '../../clock.js';
import { filterLots } from '../../pipeline/lot-selection.js';
import type { LotRecord, ResultatRecord } from '../../registry/model.js';
import { html } from '../html.js';
import { parisTime } from '../layout.js';
import type { ConsoleRoutes } from '../server.js';

const count = <T>(items: readonly T[], key: (item: T) => string): [string, number][] => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
};

function age(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} jours`;
}

export function registerActivite({ app, deps, send, viewer }: ConsoleRoutes): void {
  app.get('/activite', async (request, reply) => {
    const v = viewer(request);
    const now = deps.clock.now();
    const today = parisDate(now);
    const lots: LotRecord[] = filterLots(await deps.registry.listLots(), { day: today }).filter((l) => l.guichet !== undefined && v.scope.seesLot(l));
    const resultats: ResultatRecord[] = (await Promise.all(lots.map((l) => deps.registry.lotResultats(l.id)))).flat();
    const rejets = count([...lots.flatMap((l) => l.erreurs), ...resultats.flatMap((r) => r.erreurs)], (e) => e.code);
    const max = Math.max(1, ...rejets.map(([, n]) => n));
    const depth = await deps.registry.outboxDepth(v.scope.guichets.map((g) => g.code));
    const waiting = depth.filter((d) => d.statut !== 'ECHEC');
    const oldest = waiting.map((d) => d.oldestQueuedAt).filter((at): at is string => at !== undefined).sort()[0];

    return send(
      reply,
      `Activité du ${today.split('-').reverse().join('/')}`,
      html`
<h2>Lots reçus aujourd’hui : ${lots.length}</h2>
<table><tr><th>Statut</th><th>Lots</th></tr>${count(lots, (l) => l.statut).map(([s, n]) => html`<tr><td class="${s}">${s}</td><td>${n}</td></tr>`)}</table>
${lots.length === 0 ? html`<p>Aucun lot reçu aujourd’hui sur vos guichets.</p>` : html`
<table><tr><th>Lot</th><th>Reçu le</th><th>Guichet</th><th>Identifiant</th><th>Statut</th></tr>
${lots.map((l) => html`<tr><td><a href="/lots/${l.id}">${l.id}</a></td><td>${parisTime(l.recuAt)}</td><td>${l.guichet}</td><td>${l.identifiantLot ?? '—'}</td><td class="${l.statut}">${l.statut}</td></tr>`)}</table>`}
<h2>Demandes traitées</h2>
<table><tr><th>Résultat</th><th>Demandes</th></tr>${count(resultats, (r) => r.statut).map(([s, n]) => html`<tr><td class="${s}">${s}</td><td>${n}</td></tr>`)}</table>
<h2>Rejets par code</h2>
${rejets.length === 0 ? html`<p>Aucun rejet.</p>` : html`<table class="chart" aria-label="Rejets par code">
${rejets.map(([code, n]) => html`<tr><td>${code}</td><td><span class="bar" style="width:${Math.round((n / max) * 300)}px"></span> ${n}</td></tr>`)}</table>`}
<h2>File d’envoi des réponses de vos guichets</h2>
<table><tr><th>Statut</th><th>Réponses</th><th>Plus ancienne</th></tr>
${depth.map((d) => html`<tr><td>${d.statut}</td><td>${d.replies}</td><td>${d.oldestQueuedAt ? parisTime(d.oldestQueuedAt) : '—'}</td></tr>`)}</table>
<p>${oldest === undefined ? 'Aucune réponse en attente.' : html`Plus ancienne réponse en attente : ${age(now.getTime() - new Date(oldest).getTime())}.`}</p>`,
      v,
    );
  });
}
