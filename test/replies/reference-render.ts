/**
 * TEST ORACLE: the attestation renderer as it was before issue 21 (pdfkit 0.20 drawing the same
 * contenu), kept to check that the letters' own writer (src/replies/pdf/) lays out and prints the
 * same text at the same places. Not used by the gateway. One difference from the renderer as it
 * was, deliberate: see the `font` option below.
 *
 * The attestation PDF (spec 5.2, CCH R.441-2-4): one A4 page in French and its annex (on the same
 * page when it fits, else on the second), DejaVu Sans embedded.
 * The same data yields the same bytes: dates come from `issuedAt` and the file /ID from a hash
 * of the data, so a replayed attestation is byte-identical to the first.
 */
import PDFDocument from 'pdfkit';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { create } from 'fontkit';
import { contenuAttestation, type Annexe, type Bloc, type ContenuAttestation } from '../../src/replies/attestation/contenu.js';
import { fileId, type LettreMeta } from '../../src/replies/attestation/render.js';
import { MENTION_SPECIMEN, type ReplyMode } from '../../src/replies/ecole.js';
import type { AttestationData } from '../../src/replies/types.js';

const MARGIN = 50;
const A4_WIDTH = 595.28;
const A4_HEIGHT = 841.89;
const WIDTH = A4_WIDTH - 2 * MARGIN;
const BLEU = '#000091';
const GRIS = '#555555';

/** The faces a rendering uses, and whether it is archival (PDF/A needs embedded fonts). */
interface Faces {
  /** Given to the constructor, so that pdfkit never loads Helvetica's metrics for nothing. */
  readonly initial: unknown;
  readonly regular: string;
  readonly bold: string;
  readonly archival: boolean;
  select(doc: PDFKit.PDFDocument): void;
}

const TTF = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
// Parsed once, as the renderer did (pdfkit ≥ 0.20 takes a parsed font): parsing costs ~25 ms.
const REGULAR = create(readFileSync(join(TTF, 'DejaVuSans.ttf')));
const BOLD = create(readFileSync(join(TTF, 'DejaVuSans-Bold.ttf')));

function embedded(): Faces {
  // Faces are then selected by PostScript name, which hits pdfkit's per-document font table.
  return { initial: REGULAR, regular: REGULAR.postscriptName, bold: BOLD.postscriptName, archival: true, select: (doc) => doc.font(BOLD as never) };
}

const STANDARD: Faces = { initial: 'Helvetica', regular: 'Helvetica', bold: 'Helvetica-Bold', archival: false, select: () => {} };

/** `mode.ecole`: a base école's, marked as a specimen on every page (spec 9). */
export function renderAttestation(data: AttestationData, mode: ReplyMode = {}): Promise<Buffer> {
  return render(data, embedded(), mode);
}

/**
 * The benchmark's floor only: the same text and layout in the standard Helvetica, not embedded,
 * not PDF/A. It cannot print Łukasz or Nguyễn (FACTS.md): never send it.
 */
export function renderAttestationStandardFont(data: AttestationData): Promise<Buffer> {
  return render(data, STANDARD);
}

function render(data: AttestationData, faces: Faces, mode: ReplyMode = {}): Promise<Buffer> {
  return renderLettre(contenuAttestation(data), { issuedAt: data.issuedAt, id: fileId(data), ...mode }, faces);
}

/**
 * A letter with the attestation's layout and typography (letterhead, title, framed numéro,
 * blocs, footer), PDF/A-2b with DejaVu Sans embedded: the préavis de renouvellement is one.
 */
export function renderLettre(contenu: ContenuAttestation, meta: LettreMeta, faces: Faces = embedded()): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    // The types list file names and buffers; pdfkit ≥ 0.20 also takes a parsed fontkit font.
    font: faces.initial as never,
    lang: 'fr-FR',
    pdfVersion: '1.7',
    ...(faces.archival ? { subset: 'PDF/A-2b' as const } : {}),
    displayTitle: true,
    info: {
      Title: contenu.titre,
      Subject: 'Demande de logement social',
      Author: contenu.guichet.nom,
      Creator: 'sne-gateway',
      CreationDate: meta.issuedAt,
      ModDate: meta.issuedAt,
    },
  });
  // pdfkit derives the /ID from the info dictionary only (two attestations issued in the same
  // millisecond would share it); a hash of the data makes it unique and still reproducible.
  (doc as unknown as { _id: Uint8Array })._id = meta.id;
  // The one deliberate difference from the renderer as it was: pdfkit set every new page's font to
  // the document's `font` option, so a bold paragraph broken across pages went on in the regular
  // face; the letters' writer keeps the paragraph's face, and so does the oracle.
  delete (doc as unknown as { options: { font?: unknown } }).options.font;
  if (faces.archival) {
    // PDF/A wants the info dictionary and the XMP metadata to agree; pdfkit writes CreateDate only.
    doc.appendXML(
      `<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"><xmp:ModifyDate>${
        meta.issuedAt.toISOString().split('.')[0]
      }Z</xmp:ModifyDate></rdf:Description>`,
    );
  }
  faces.select(doc);
  const { regular, bold } = faces;

  let pages = 1;
  doc.on('pageAdded', () => pages++);
  if (meta.ecole === true) {
    // Drawn first on each page, under the text: the letter stays legible through it.
    filigrane(doc, regular);
    doc.on('pageAdded', () => filigrane(doc, regular));
  }
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  // Letterhead: the guichet on the left, the demandeur on the right, as on a letter.
  const top = doc.y;
  doc.font(bold).fontSize(10).fillColor('black').text(contenu.guichet.nom, MARGIN, top, { width: 240 });
  doc.font(regular).fontSize(9).text(contenu.guichet.adresse.join('\n'), { width: 240 });
  const gauche = doc.y;
  const x = MARGIN + WIDTH - 230;
  doc.font(bold).fontSize(10).text(contenu.demandeur.nom, x, top, { width: 230 });
  doc.font(regular).fontSize(9).text(contenu.demandeur.adresse.join('\n'), { width: 230 });
  doc.moveDown(0.6).text(contenu.faitLe, { width: 230 });
  doc.x = MARGIN;
  doc.y = Math.max(gauche, doc.y) + 22;

  doc.font(bold).fontSize(17).fillColor(BLEU).text(contenu.titre, { width: WIDTH });
  doc.font(regular).fontSize(10.5).fillColor('black').text(contenu.sousTitre, { width: WIDTH });
  doc.moveDown(0.8);

  // The numéro unique, in a frame: what the demandeur needs to keep.
  const cadre = doc.y;
  doc.font(regular).fontSize(9).text(contenu.numero.libelle, MARGIN + 12, cadre + 9, { width: WIDTH - 24 });
  doc.font(bold).fontSize(18).fillColor(BLEU).text(contenu.numero.valeur, { width: WIDTH - 24, characterSpacing: 1 });
  doc.font(regular).fontSize(9).fillColor('black').text(contenu.numero.reference, { width: WIDTH - 24 });
  const bas = doc.y + 8;
  doc.lineWidth(1).strokeColor(BLEU).rect(MARGIN, cadre, WIDTH, bas - cadre).stroke();
  doc.x = MARGIN;
  doc.y = bas + 12;

  for (const bloc of contenu.blocs) ecrireBloc(doc, bloc, regular, bold);

  doc.moveDown(0.8);
  doc.font(regular).fontSize(7.5).fillColor(GRIS).text(contenu.piedDePage, MARGIN, doc.y, { width: WIDTH });
  if (contenu.annexe !== undefined) ecrireAnnexe(doc, pages, contenu.annexe, regular, bold);
  doc.end();
  return done;
}

const FILIGRANE_GRIS = '#c8c8c8';
const FILIGRANE_TAILLE = 34;
/** Along the page's diagonal, from bottom left to top right. */
const FILIGRANE_ANGLE = (Math.atan2(A4_HEIGHT, A4_WIDTH) * 180) / Math.PI;

/** pdfkit's text state, which it keeps in fields of its own and has no getter for. */
interface TextState {
  x: number;
  y: number;
  _font: unknown;
  _fontSource: unknown;
  _fontFamily: unknown;
  _fontSize: number;
  _fillColor: unknown;
}

/**
 * « SPÉCIMEN — BASE ÉCOLE — SANS VALEUR » across the page, light grey, in the embedded face
 * (PDF/A: no standard font, no transparency). A page may be added in the middle of a paragraph:
 * the text state is put back as it was, so that the paragraph goes on unchanged.
 */
function filigrane(doc: PDFKit.PDFDocument, face: string): void {
  const state = doc as unknown as TextState;
  const saved = { ...state };
  const { x, y, _font, _fontSource, _fontFamily, _fontSize, _fillColor } = saved;
  doc.save();
  doc.font(face).fontSize(FILIGRANE_TAILLE).fillColor(FILIGRANE_GRIS);
  const largeur = doc.widthOfString(MENTION_SPECIMEN);
  const hauteur = doc.currentLineHeight();
  const angle = (FILIGRANE_ANGLE * Math.PI) / 180;
  // The text's start, so that its middle falls on the page's centre once rotated about it.
  const depart = {
    x: A4_WIDTH / 2 - (largeur / 2) * Math.cos(angle) - (hauteur / 2) * Math.sin(angle),
    y: A4_HEIGHT / 2 + (largeur / 2) * Math.sin(angle) - (hauteur / 2) * Math.cos(angle),
  };
  // Text extraction reads diagonal glyphs one per line: the span gives it the words as they are.
  doc.markContent('Span', { actual: MENTION_SPECIMEN });
  // `rotation` (degrees, counter-clockwise about the start) is pdfkit's, missing from its types.
  const options = { lineBreak: false, rotation: FILIGRANE_ANGLE };
  doc.text(MENTION_SPECIMEN, depart.x, depart.y, options);
  doc.endMarkedContent();
  doc.restore();
  Object.assign(state, { x, y, _font, _fontSource, _fontFamily, _fontSize, _fillColor });
}

function ecrireBloc(doc: PDFKit.PDFDocument, bloc: Bloc, regular: string, bold: string): void {
  doc.font(bold).fontSize(11).fillColor(BLEU).text(bloc.titre, MARGIN, doc.y, { width: WIDTH });
  doc.moveDown(0.2);
  doc.font(regular).fontSize(9.5).fillColor('black');
  for (const paragraphe of bloc.paragraphes) {
    doc.text(paragraphe, { width: WIDTH, lineGap: 1 });
    doc.moveDown(0.25);
  }
  if (bloc.lien !== undefined) {
    doc.font(bold).fontSize(10.5).fillColor(BLEU).text(bloc.lien, { width: WIDTH, lineBreak: false });
    doc.fillColor('black');
  }
  doc.moveDown(0.45);
}

const RETRAIT = 12;

/**
 * The annex, kept whole when the attestation fits on page 1: it starts page 2 unless it fits
 * below. An attestation already on page 2 (extreme lengths) is followed at once, so that the
 * document stays within two pages (spec 5.2).
 */
function ecrireAnnexe(doc: PDFKit.PDFDocument, pages: number, annexe: Annexe, regular: string, bold: string): void {
  const bottom = A4_HEIGHT - MARGIN;
  const top = doc.y + 16;
  if (pages === 1 && top + hauteurAnnexe(doc, annexe, regular, bold) > bottom) doc.addPage();
  else doc.y = top;
  doc.x = MARGIN;
  doc.font(bold).fontSize(11).fillColor(BLEU).text(annexe.titre, MARGIN, doc.y, { width: WIDTH });
  doc.moveDown(0.3);
  for (const liste of annexe.listes) {
    if (liste.titre !== undefined) {
      doc.font(bold).fontSize(9.5).fillColor('black').text(liste.titre, MARGIN, doc.y, { width: WIDTH });
      doc.moveDown(0.15);
    }
    doc.font(regular).fontSize(9).fillColor('black');
    if (liste.introduction !== undefined) doc.text(liste.introduction, MARGIN, doc.y, { width: WIDTH });
    liste.elements.forEach((element, i) => {
      const y = doc.y;
      doc.text(liste.numerotee ? `${i + 1}.` : '–', MARGIN, y, { width: RETRAIT, lineBreak: false });
      doc.text(element, MARGIN + RETRAIT, y, { width: WIDTH - RETRAIT, lineGap: 0.5 });
    });
    doc.moveDown(0.3);
  }
  doc.font(regular).fontSize(7.5).fillColor(GRIS).text(annexe.source, MARGIN, doc.y, { width: WIDTH });
}

/** The annex's height as `ecrireAnnexe` lays it out (same fonts, sizes and widths). */
function hauteurAnnexe(doc: PDFKit.PDFDocument, annexe: Annexe, regular: string, bold: string): number {
  const ligne = (size: number, face: string): number => doc.font(face).fontSize(size).currentLineHeight(true);
  let h = doc.font(bold).fontSize(11).heightOfString(annexe.titre, { width: WIDTH }) + 0.3 * ligne(11, bold);
  for (const liste of annexe.listes) {
    if (liste.titre !== undefined) h += doc.font(bold).fontSize(9.5).heightOfString(liste.titre, { width: WIDTH }) + 0.15 * ligne(9.5, bold);
    doc.font(regular).fontSize(9);
    if (liste.introduction !== undefined) h += doc.heightOfString(liste.introduction, { width: WIDTH });
    for (const element of liste.elements) h += doc.heightOfString(element, { width: WIDTH - RETRAIT, lineGap: 0.5 });
    h += 0.3 * ligne(9, regular);
  }
  return h + doc.font(regular).fontSize(7.5).heightOfString(annexe.source, { width: WIDTH });
}
