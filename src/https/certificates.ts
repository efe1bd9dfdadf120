/**
 * Client certificates (spec 7): a guichet is known over HTTPS by the SHA-256 fingerprints of its
 * certificates, which a gestionnaire registers. The fingerprint is of the DER certificate, written
 * as upper-case hex without separators (`openssl x509 -fingerprint -sha256` prints it with colons:
 * both are accepted).
 */
import { X509Certificate } from 'node:crypto';

const FINGERPRINT = /^[0-9A-F]{64}$/;

/** Upper-case hex, separators dropped; undefined when it is no SHA-256 fingerprint. */
export function normalizeFingerprint(text: string): string | undefined {
  const hex = text.replace(/^sha256:/i, '').replace(/[:\s]/g, '').toUpperCase();
  return FINGERPRINT.test(hex) ? hex : undefined;
}

export interface CertificateInfo {
  readonly empreinte: string;
  readonly subject: string;
  readonly validFrom: Date;
  readonly validTo: Date;
}

/** The first certificate of a PEM file; throws a French message when there is none. */
export function readCertificate(pem: string | Buffer): CertificateInfo {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new Error('Le fichier ne contient pas de certificat X.509 lisible (PEM ou DER attendu).');
  }
  return infoOf(cert);
}

export function infoOf(cert: X509Certificate): CertificateInfo {
  return {
    empreinte: normalizeFingerprint(cert.fingerprint256)!,
    subject: cert.subject.replace(/\n/g, ', '),
    validFrom: new Date(cert.validFrom),
    validTo: new Date(cert.validTo),
  };
}
