import { createHash } from 'node:crypto';

/** Hex SHA-256: a message's identity (exactly-once) and a lot's `empreinte` (spec 4.1). */
export const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
