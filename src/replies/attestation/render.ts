/**
 * The attestation PDF (spec 5.2, CCH R.441-2-4): one A4 page in French and its annex (on the same
 * page when it fits, else on the second), DejaVu Sans embedded.
 * The same data yields the same bytes: dates come from `issuedAt` and the file /ID from a hash
 * of the data, so a replayed attestation is byte-identical to the first.
 */
import { createHash } from 'node:crypto';
import { letterFile } from '../pdf/letter-file.js';
import { A4, Typesetter } from '../pdf/typesetter.js';
import { MENTION_SPECIMEN, type ReplyMode } from '../ecole.js';
import type { AttestationData } from '../types.js';
import { letterFaces } from './fonts.js';
import { contenuAttestation, type Annexe, type Bloc, type ContenuAttestation } from './contenu.js';

const MARGIN = 50;
const WIDTH = A4.width - 2 * MARGIN;
const NOIR = '#000000';
const BLEU = '#000091';
const GRIS = '#555555';
/** The letter's faces, as its pages name them (/F1, /F2). */
const REGULAR = 0;
const BOLD = 1;

/** `mode.ecole`: a base école's, marked as a specimen on every page (spec 9). */
export function renderAttestation(data: AttestationData, mode: ReplyMode = {}): Promise<Buffer> {
  return renderLettre(contenuAttestation(data), { issuedAt: data.issuedAt, id: fileId(data), ...mode });
}

/**
 * What a letter's PDF needs beside its words: its date, its reproducible file /ID, and whether
 * it is a base école's (`ecole`: « SPÉCIMEN » across every page).
 */
export interface LettreMeta extends ReplyMode {
  readonly issuedAt: Date;
  readonly id: Uint8Array;
}

/**
 * A letter with the attestation's layout and typography (letterhead, title, framed numéro,
 * blocs, footer), PDF/A-2b with DejaVu Sans embedded: the préavis de renouvellement is one.
 */
export function renderLettre(contenu: ContenuAttestation, meta: LettreMeta): Promise<Buffer> {
  const { regular, bold } = letterFaces();
  const doc = new Typesetter([regular, bold], MARGIN);
  if (meta.ecole === true) {
    // Drawn first on each page, under the text: the letter stays legible through it.
    filigrane(doc);
    doc.onPageAdded(() => filigrane(doc));
  }

  // Letterhead: the guichet on the left, the demandeur on the right, as on a letter.
  const top = doc.y;
  doc.font(BOLD).fontSize(10).fillColor(NOIR).text(contenu.guichet.nom, MARGIN, top, { width: 240 });
  doc.font(REGULAR).fontSize(9).text(contenu.guichet.adresse.join('\n'), { width: 240 });
  const gauche = doc.y;
  const x = MARGIN + WIDTH - 230;
  doc.font(BOLD).fontSize(10).text(contenu.demandeur.nom, x, top, { width: 230 });
  doc.font(REGULAR).fontSize(9).text(contenu.demandeur.adresse.join('\n'), { width: 230 });
  doc.moveDown(0.6).text(contenu.faitLe, { width: 230 });
  doc.x = MARGIN;
  doc.y = Math.max(gauche, doc.y) + 22;

  doc.font(BOLD).fontSize(17).fillColor(BLEU).text(contenu.titre, { width: WIDTH });
  doc.font(REGULAR).fontSize(10.5).fillColor(NOIR).text(contenu.sousTitre, { width: WIDTH });
  doc.moveDown(0.8);

  // The numéro unique, in a frame: what the demandeur needs to keep.
  const cadre = doc.y;
  doc.font(REGULAR).fontSize(9).text(contenu.numero.libelle, MARGIN + 12, cadre + 9, { width: WIDTH - 24 });
  doc.font(BOLD).fontSize(18).fillColor(BLEU).text(contenu.numero.valeur, { width: WIDTH - 24, characterSpacing: 1 });
  doc.font(REGULAR).fontSize(9).fillColor(NOIR).text(contenu.numero.reference, { width: WIDTH - 24 });
  const bas = doc.y + 8;
  doc.lineWidth(1).strokeColor(BLEU).rect(MARGIN, cadre, WIDTH, bas - cadre).stroke();
  doc.x = MARGIN;
  doc.y = bas + 12;

  for (const bloc of contenu.blocs) ecrireBloc(doc, bloc);

  doc.moveDown(0.8);
  doc.font(REGULAR).fontSize(7.5).fillColor(GRIS).text(contenu.piedDePage, MARGIN, doc.y, { width: WIDTH });
  if (contenu.annexe !== undefined) ecrireAnnexe(doc, contenu.annexe);
  return Promise.resolve(
    letterFile(doc, {
      title: contenu.titre,
      subject: 'Demande de logement social',
      author: contenu.guichet.nom,
      creator: 'sne-gateway',
      issuedAt: meta.issuedAt,
      lang: 'fr-FR',
      id: meta.id,
    }),
  );
}

const FILIGRANE_GRIS = '#c8c8c8';
const FILIGRANE_TAILLE = 34;
/** Along the page's diagonal, from bottom left to top right. */
const FILIGRANE_ANGLE = (Math.atan2(A4.height, A4.width) * 180) / Math.PI;

/**
 * « SPÉCIMEN — BASE ÉCOLE — SANS VALEUR » across the page, light grey, in the embedded face
 * (PDF/A: no standard font, no transparency). A page may be added in the middle of a paragraph:
 * the text state is put back as it was, so that the paragraph goes on unchanged.
 */
function filigrane(doc: Typesetter): void {
  const saved = doc.state();
  doc.save();
  doc.font(REGULAR).fontSize(FILIGRANE_TAILLE).fillColor(FILIGRANE_GRIS);
  const largeur = doc.widthOfString(MENTION_SPECIMEN);
  const hauteur = doc.currentLineHeight();
  const angle = (FILIGRANE_ANGLE * Math.PI) / 180;
  // The text's start, so that its middle falls on the page's centre once rotated about it.
  const depart = {
    x: A4.width / 2 - (largeur / 2) * Math.cos(angle) - (hauteur / 2) * Math.sin(angle),
    y: A4.height / 2 + (largeur / 2) * Math.sin(angle) - (hauteur / 2) * Math.cos(angle),
  };
  // Text extraction reads diagonal glyphs one per line: the span gives it the words as they are.
  doc.markActualText(MENTION_SPECIMEN);
  doc.text(MENTION_SPECIMEN, depart.x, depart.y, { rotation: FILIGRANE_ANGLE });
  doc.endMarkedContent();
  doc.restore();
  doc.setState(saved);
}

function ecrireBloc(doc: Typesetter, bloc: Bloc): void {
  doc.font(BOLD).fontSize(11).fillColor(BLEU).text(bloc.titre, MARGIN, doc.y, { width: WIDTH });
  doc.moveDown(0.2);
  doc.font(REGULAR).fontSize(9.5).fillColor(NOIR);
  for (const paragraphe of bloc.paragraphes) {
    doc.text(paragraphe, { width: WIDTH, lineGap: 1 });
    doc.moveDown(0.25);
  }
  if (bloc.lien !== undefined) {
    doc.font(BOLD).fontSize(10.5).fillColor(BLEU).text(bloc.lien, { width: WIDTH });
    doc.fillColor(NOIR);
  }
  doc.moveDown(0.45);
}

const RETRAIT = 12;

/**
 * The annex, kept whole when the attestation fits on page 1: it starts page 2 unless it fits
 * below. An attestation already on page 2 (extreme lengths) is followed at once, so that the
 * document stays within two pages (spec 5.2).
 */
function ecrireAnnexe(doc: Typesetter, annexe: Annexe): void {
  const bottom = A4.height - MARGIN;
  const top = doc.y + 16;
  if (doc.pages.length === 1 && top + hauteurAnnexe(doc, annexe) > bottom) doc.addPage();
  else doc.y = top;
  doc.x = MARGIN;
  doc.font(BOLD).fontSize(11).fillColor(BLEU).text(annexe.titre, MARGIN, doc.y, { width: WIDTH });
  doc.moveDown(0.3);
  for (const liste of annexe.listes) {
    if (liste.titre !== undefined) {
      doc.font(BOLD).fontSize(9.5).fillColor(NOIR).text(liste.titre, MARGIN, doc.y, { width: WIDTH });
      doc.moveDown(0.15);
    }
    doc.font(REGULAR).fontSize(9).fillColor(NOIR);
    if (liste.introduction !== undefined) doc.text(liste.introduction, MARGIN, doc.y, { width: WIDTH });
    liste.elements.forEach((element, i) => {
      const y = doc.y;
      doc.text(liste.numerotee ? `${i + 1}.` : '–', MARGIN, y, { width: RETRAIT });
      doc.text(element, MARGIN + RETRAIT, y, { width: WIDTH - RETRAIT, lineGap: 0.5 });
    });
    doc.moveDown(0.3);
  }
  doc.font(REGULAR).fontSize(7.5).fillColor(GRIS).text(annexe.source, MARGIN, doc.y, { width: WIDTH });
}

/** The annex's height as `ecrireAnnexe` lays it out (same fonts, sizes and widths). */
function hauteurAnnexe(doc: Typesetter, annexe: Annexe): number {
  const ligne = (size: number, face: number): number => doc.font(face).fontSize(size).currentLineHeight(true);
  let h = doc.font(BOLD).fontSize(11).heightOfString(annexe.titre, { width: WIDTH }) + 0.3 * ligne(11, BOLD);
  for (const liste of annexe.listes) {
    if (liste.titre !== undefined) h += doc.font(BOLD).fontSize(9.5).heightOfString(liste.titre, { width: WIDTH }) + 0.15 * ligne(9.5, BOLD);
    doc.font(REGULAR).fontSize(9);
    if (liste.introduction !== undefined) h += doc.heightOfString(liste.introduction, { width: WIDTH });
    for (const element of liste.elements) h += doc.heightOfString(element, { width: WIDTH - RETRAIT, lineGap: 0.5 });
    h += 0.3 * ligne(9, REGULAR);
  }
  return h + doc.font(REGULAR).fontSize(7.5).heightOfString(annexe.source, { width: WIDTH });
}

/** 16 bytes of SHA-256 over the data in canonical form (sorted keys, dates as ISO). */
export function fileId(data: unknown): Uint8Array {
  const parts: string[] = [];
  canonicalJson(data, parts);
  return createHash('sha256').update(parts.join('')).digest().subarray(0, 16);
}

/** `value`'s canonical JSON, as pieces pushed on `out` (joined once: no string per level). */
function canonicalJson(value: unknown, out: string[]): void {
  if (value === null || typeof value !== 'object') {
    out.push(JSON.stringify(value) ?? 'null');
  } else if (value instanceof Date) {
    out.push(JSON.stringify(value.toISOString()));
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item: unknown, i) => {
      if (i > 0) out.push(',');
      canonicalJson(item, out);
    });
    out.push(']');
  } else {
    // Keys in UTF-16 code unit order (sort's own), those whose value is undefined left out.
    out.push('{');
    let first = true;
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined) continue;
      if (!first) out.push(',');
      out.push(JSON.stringify(key), ':');
      first = false;
      canonicalJson(v, out);
    }
    out.push('}');
  }
}
