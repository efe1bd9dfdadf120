/**
 * The compte rendu of a lot (spec section 5.1), valid against schemas/compte-rendu-1.xsd.
 * The only module importing xmlbuilder2: it escapes text and attributes, so messages, values and
 * suggestions taken from the guichet's own lot cannot break the document. The other XML replies
 * (dispatching.ts) are built through `xmlDocument` and `xmlValue` below, with the same escaping.
 */
import { create } from 'xmlbuilder2';
import { isTypeFichier } from '../domain.js';
import type { DemandeIllisible } from '../lot/types.js';
import { replyRootAttributes, type ReplyMode } from './ecole.js';
import type { CompteRenduData, ResultatDemande, StatutLot } from './types.js';

export const COMPTE_RENDU_NAMESPACE = 'urn:sne-gateway:compte-rendu:1';

/** Guichets read Paris time, as in the spec's example; the offset keeps the instant exact. */
const DEFAULT_TIME_ZONE = 'Europe/Paris';

const IDENTIFIANT_LOT = /^[A-Za-z0-9._-]{1,40}$/;

/** `ecole`: a base école's compte rendu, `ecole="true"` on its root (spec 9). */
export interface CompteRenduOptions extends ReplyMode {
  /** IANA time zone of the written dates; default Europe/Paris. */
  readonly timeZone?: string;
}

export function buildCompteRendu(data: CompteRenduData, options: CompteRenduOptions = {}): string {
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const { lot } = data;
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(COMPTE_RENDU_NAMESPACE, 'compteRendu', {
    version: '1.0',
    ...replyRootAttributes(options),
  });

  const lotAttributes: Record<string, string> = { guichet: lot.guichet };
  // A lot refused with LOT_SCHEMA may carry a malformed identifier: echoing it would make the
  // compte rendu itself invalid, so it is left out (the messageId still identifies the lot).
  if (lot.identifiantLot !== undefined && IDENTIFIANT_LOT.test(lot.identifiantLot)) {
    lotAttributes.identifiantLot = lot.identifiantLot;
  }
  lotAttributes.messageId = escape(lot.messageId);
  lotAttributes.recu = formatDateTime(lot.recu, timeZone);
  lotAttributes.traite = formatDateTime(lot.traite, timeZone);
  if (lot.empreinte !== undefined) lotAttributes.empreinte = lot.empreinte;
  lotAttributes.statut = lot.statut;
  lotAttributes.version = String(lot.version);
  root.ele('lot', lotAttributes);

  for (const erreur of data.erreurs) {
    root.ele('erreur', { code: erreur.code }).txt(escape(erreur.message));
  }

  for (const resultat of data.resultats) {
    const element = root.ele('resultat', resultatAttributes(resultat));
    for (const erreur of resultat.erreurs) {
      const attributes: Record<string, string> = { code: erreur.code, chemin: escape(erreur.chemin) };
      if (erreur.valeur !== undefined) attributes.valeur = escape(erreur.valeur);
      if (erreur.suggestion !== undefined) attributes.suggestion = escape(erreur.suggestion);
      element.ele('erreur', attributes).txt(escape(erreur.message));
    }
  }

  return unescape(root.end({ prettyPrint: true })) + '\n';
}

/** A new document's root element, for the other XML replies; `end` serializes it as `buildCompteRendu` does. */
export function xmlDocument(namespace: string, name: string, attributes: Record<string, string>) {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(namespace, name, attributes);
  return { root, end: (): string => unescape(root.end({ prettyPrint: true })) + '\n' };
}

/** A text or attribute value taken from a guichet's data, made safe for `xmlDocument`. */
export const xmlValue = (value: string): string => escape(value);

/*
 * xmlbuilder2 follows the DOM serialization rules, which leave tabs and newlines raw in attribute
 * values, where any XML parser turns them into spaces: a guichet would read a `valeur` different
 * from what it sent. Such characters are carried through the builder behind a marker (U+FDD0,
 * a noncharacter, itself doubled so the scheme stays reversible) and written as character
 * references at the end. Characters XML cannot hold at all become U+FFFD.
 */
const MARK = '\uFDD0';
const MARKED: Record<string, string> = { '\t': 't', '\n': 'n', '\r': 'r', [MARK]: MARK };
const REFERENCE: Record<string, string> = { t: '&#x9;', n: '&#xA;', r: '&#xD;', [MARK]: MARK };
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function escape(value: string): string {
  return value.replace(NOT_XML_CHAR, '\uFFFD').replace(/[\t\n\r\uFDD0]/g, (c) => MARK + MARKED[c]);
}

function unescape(xml: string): string {
  return xml.replace(/\uFDD0([tnr\uFDD0])/g, (_, c: string) => REFERENCE[c] ?? c);
}

function resultatAttributes(resultat: ResultatDemande): Record<string, string> {
  const attributes: Record<string, string> = { position: String(resultat.position) };
  if (resultat.reference !== undefined && resultat.reference !== '') attributes.reference = escape(resultat.reference);
  if (resultat.typeFichier !== undefined) attributes.typeFichier = resultat.typeFichier;
  attributes.statut = resultat.statut;
  if (resultat.numUnique !== undefined) attributes.numUnique = resultat.numUnique;
  if (resultat.dateDepot !== undefined) attributes.dateDepot = resultat.dateDepot;
  if (resultat.dateEcheance !== undefined) attributes.dateEcheance = resultat.dateEcheance;
  return attributes;
}

/** The resultat of a demande that broke the schema: rejected, with what could be read of it. */
export function resultatIllisible(demande: DemandeIllisible): ResultatDemande {
  const typeFichier = demande.typeFichier !== undefined && isTypeFichier(demande.typeFichier) ? demande.typeFichier : undefined;
  return {
    position: demande.position,
    ...(demande.reference !== undefined && demande.reference !== '' ? { reference: demande.reference } : {}),
    ...(typeFichier !== undefined ? { typeFichier } : {}),
    statut: 'REJETEE',
    erreurs: demande.errors,
  };
}

/**
 * The lot's statut: REJETE when a lot-level fault stopped it or when every demande was rejected
 * (nothing was registered), ACCEPTE when no demande was rejected, PARTIEL otherwise.
 */
export function statutDuLot(data: Pick<CompteRenduData, 'erreurs' | 'resultats'>): StatutLot {
  if (data.erreurs.length > 0) return 'REJETE';
  const rejetees = data.resultats.filter((r) => r.statut === 'REJETEE').length;
  if (rejetees === 0) return 'ACCEPTE';
  return rejetees === data.resultats.length ? 'REJETE' : 'PARTIEL';
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** `2026-11-26T09:31:02+01:00`: local time of `timeZone` with its offset, to the second. */
export function formatDateTime(date: Date, timeZone: string = DEFAULT_TIME_ZONE): string {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      timeZoneName: 'longOffset',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of formatter.formatToParts(date)) parts[part.type] = part.value;
  // longOffset is `GMT+01:00`, or plain `GMT` at offset zero.
  const offset = (parts.timeZoneName ?? 'GMT').replace('GMT', '') || '+00:00';
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}
