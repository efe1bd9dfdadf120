/** The préavis de renouvellement (spec 5.3): `renderPreavis(data)`, one A4 page like the attestation. */
import { fileId, renderLettre } from '../attestation/index.js';
import type { ReplyMode } from '../ecole.js';
import type { PreavisData } from '../types.js';
import { contenuPreavis } from './contenu.js';

export { contenuPreavis } from './contenu.js';

/** `mode.ecole`: a base école's, marked as a specimen on every page (spec 9). */
export function renderPreavis(data: PreavisData, mode: ReplyMode = {}): Promise<Buffer> {
  return renderLettre(contenuPreavis(data), { issuedAt: data.issuedAt, id: fileId({ preavis: data }), ...mode });
}
