/**
 * A typeset letter as a PDF/A-2b file (ISO 19005-2, conformance B): its faces embedded, the sRGB
 * output intent, XMP metadata agreeing with the document information dictionary, a file
 * identifier given by the caller. The same letter gives the same bytes.
 *
 * Objects: 1 catalog, 2 page tree, 3 information, 4 XMP, 5 output intent, 6 ICC profile, then
 * five per face (`embed.ts`), then each page and its content.
 */
import { readFileSync } from 'node:fs';
import { embedFace, extraGlyphs } from './embed.js';
import { deflate, indirect, num, pdfDate, pdfFile, pdfText, streamObject } from './serialize.js';
import { A4, contentStream, type Typesetter } from './typesetter.js';

export interface LetterInfo {
  readonly title: string;
  readonly subject: string;
  readonly author: string;
  readonly creator: string;
  readonly issuedAt: Date;
  readonly lang: string;
  /** The file identifier (16 bytes), reproducible. */
  readonly id: Uint8Array;
}

const PRODUCER = 'sne-gateway';

let colourProfile: Buffer | undefined;
/** The sRGB output intent's profile object (ICC's sRGB2014, freely distributable), deflated once. */
function colourProfileObject(): Buffer {
  colourProfile ??= streamObject(6, '/N 3', deflate(readFileSync(new URL('../../../assets/sRGB2014.icc', import.meta.url)), true), true);
  return colourProfile;
}

export function letterFile(doc: Typesetter, info: LetterInfo): Buffer {
  // The base glyphs are in every subset: only the extras pick the letter's subset.
  const used = doc.faces.map(() => new Set<number>());
  for (const p of doc.pages) {
    for (const item of p.content) if (typeof item !== 'string') for (const id of extraGlyphs(doc.faces[item.face]!, item.runs)) used[item.face]!.add(id);
  }
  const embedded = doc.faces.map((face, i) => embedFace(face, used[i]!));
  const firstFont = 7;
  const firstPage = firstFont + 5 * embedded.length;
  const pageIds = doc.pages.map((_, i) => firstPage + 2 * i);
  const fontResources = (faces: ReadonlySet<number>): string =>
    [...faces].sort((a, b) => a - b).map((i) => `/F${i + 1} ${firstFont + 5 * i} 0 R`).join(' ');
  const created = pdfDate(info.issuedAt);

  const objects: Buffer[] = [
    indirect(
      1,
      `<< /Type /Catalog /Pages 2 0 R /Lang ${pdfText(info.lang)} /Metadata 4 0 R /OutputIntents [5 0 R] /ViewerPreferences << /DisplayDocTitle true >> >>`,
    ),
    indirect(2, `<< /Type /Pages /Count ${pageIds.length} /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] >>`),
    indirect(
      3,
      `<< /Producer ${pdfText(PRODUCER)} /Creator ${pdfText(info.creator)} /CreationDate ${created} /Title ${pdfText(info.title)} /Subject ${pdfText(
        info.subject,
      )} /Author ${pdfText(info.author)} /ModDate ${created} >>`,
    ),
    streamObject(4, '/Type /Metadata /Subtype /XML', Buffer.from(xmp(info), 'utf8'), false),
    indirect(5, '<< /Type /OutputIntent /S /GTS_PDFA1 /Info (sRGB IEC61966-2.1) /OutputConditionIdentifier (sRGB IEC61966-2.1) /DestOutputProfile 6 0 R >>'),
    colourProfileObject(),
    ...embedded.flatMap((face, i) => face.objects(firstFont + 5 * i)),
    ...doc.pages.flatMap((p, i) => {
      const id = pageIds[i]!;
      return [
        indirect(
          id,
          `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${num(A4.width)} ${num(A4.height)}] /Contents ${id + 1} 0 R /Resources << /ProcSet [/PDF /Text] /Font << ${fontResources(p.faces)} >> >> >>`,
        ),
        streamObject(id + 1, '', deflatedContent(contentStream(p, embedded)), true),
      ];
    }),
  ];
  return pdfFile(objects, 1, 3, info.id);
}

/**
 * Pages drawn the same in many letters (an annex page) are compressed once; a few are kept, the
 * most recently used first. Found by length, then compared: hashing a whole page's content to
 * look it up cost more than comparing it with the rare cached page of the same length.
 * `content` is `contentStream`'s reused buffer: a page kept is copied.
 */
const CONTENTS_KEPT = 8;
const contentCache: { readonly content: Buffer; readonly deflated: Buffer }[] = [];
function deflatedContent(content: Buffer): Buffer {
  const found = contentCache.findIndex((entry) => entry.content.length === content.length && entry.content.equals(content));
  if (found >= 0) {
    const [entry] = contentCache.splice(found, 1);
    contentCache.unshift(entry!);
    return entry!.deflated;
  }
  const deflated = deflate(content);
  if (contentCache.length >= CONTENTS_KEPT) contentCache.pop();
  contentCache.unshift({ content: Buffer.from(content), deflated });
  return deflated;
}

const escapeXml = (text: string): string => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The XMP packet PDF/A requires, stating what the information dictionary states. */
function xmp(info: LetterInfo): string {
  const date = `${info.issuedAt.toISOString().split('.')[0]}Z`;
  return `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<pdfaid:part>2</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
<xmp:CreateDate>${date}</xmp:CreateDate>
<xmp:ModifyDate>${date}</xmp:ModifyDate>
<xmp:CreatorTool>${escapeXml(info.creator)}</xmp:CreatorTool>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">${escapeXml(info.title)}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>${escapeXml(info.author)}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${escapeXml(info.subject)}</rdf:li></rdf:Alt></dc:description>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdf:Producer>${escapeXml(PRODUCER)}</pdf:Producer>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
}
