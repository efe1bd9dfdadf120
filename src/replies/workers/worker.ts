/**
 * A reply worker thread: loads the national keyring once from the keys the pool passes, parses
 * DejaVu once (on its first attestation), then seals or renders whatever it is sent.
 */
import { loadPrivateKeyring } from '../../crypto/index.js';
import { serveThread, wholeBuffer } from '../../threads.js';
import type { WorkerInit, WorkerRequest } from './protocol.js';
import { renderDocument, sealReply } from './reply-job.js';

// A reply's bytes (~45 kB, made for it) move to the main thread instead of being copied twice.
await serveThread<WorkerInit, WorkerRequest, Uint8Array>(async (init) => {
  const keyring = await loadPrivateKeyring(init.keys);
  return (request) => (request.kind === 'seal' ? sealReply(request.job, keyring) : renderDocument(request.document));
}, wholeBuffer);
