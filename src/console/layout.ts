/** The console's page frame: French, one stylesheet inline, no script. */
import { html, type Html } from './html.js';

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;color:#1e1e1e;background:#f6f6f6}
header{background:#000091;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:center;flex-wrap:wrap}
header a{color:#fff}header strong{margin-right:1rem}header form{margin-left:auto}
main{padding:1rem 1.5rem;max-width:72rem}
table{border-collapse:collapse;background:#fff;margin:.5rem 0 1rem}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}
.REJETE,.REJETEE,.retire{color:#b00020}.ACCEPTE,.ENREGISTREE,.ajoute{color:#006400}.PARTIEL{color:#a35a00}
.bar{display:inline-block;height:1rem;background:#000091;vertical-align:middle}
.chart td{border:none;padding:.15rem .5rem}
.notice{background:#fff3cd;padding:.5rem 1rem;border-left:4px solid #a35a00}
.diff{background:#fff;padding:.6rem 1rem;border:1px solid #ccc;font-family:monospace;white-space:pre-wrap}
.chemin{font-family:monospace}form.inline{display:inline}
label{margin-right:.8rem}
`;

export interface PageUser {
  readonly nom: string;
  readonly csrf: string;
}

export function page(title: string, body: Html, user?: PageUser): Html {
  return html`<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — console SNE</title><style>${STYLE}</style></head>
<body><header><strong>Console des gestionnaires territoriaux</strong>${user
    ? html`<a href="/activite">Activité du jour</a><a href="/lots">Lots</a><a href="/quarantaine">Quarantaine</a><a href="/guichets">Guichets</a><a href="/demandes">Demandes</a><a href="/recherche">Recherche d’un demandeur</a>
<form method="post" action="/deconnexion"><input type="hidden" name="_csrf" value="${user.csrf}"><span>${user.nom}</span> <button>Se déconnecter</button></form>`
    : ''}</header>
<main><h1>${title}</h1>${body}</main></body></html>`;
}

/** A hidden CSRF field, in every form. */
export const csrfField = (token: string): Html => html`<input type="hidden" name="_csrf" value="${token}">`;

const PARIS_TIME = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'medium' });

/** An ISO instant as a Paris date and time. */
export const parisTime = (iso: string): string => PARIS_TIME.format(new Date(iso));
