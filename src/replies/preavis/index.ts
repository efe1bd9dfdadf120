/** The préavis de renouvellement (spec 5.3): `renderPreavis(data)`, one A4 page like the attestation. */
import { fileId, renderLettre } from '../attestation/index.js';
import type { PreavisData } from '../types.js';
import { contenuPreavis } from './contenu.js';

export { contenuPreavis } from './contenu.js';

export function renderPreavis(data: PreavisData): Promise<Buffer> {
  return renderLettre(contenuPreavis(data), { issuedAt: data.issuedAt, id: fileId({ preavis: data }) });
}
