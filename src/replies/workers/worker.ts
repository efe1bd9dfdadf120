/**
 * A reply worker thread: loads the national keyring once from the keys the pool passes, parses
 * DejaVu once (on its first attestation), then seals or renders whatever it is sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadPrivateKeyring } from '../../crypto/index.js';
import type { WorkerInit, WorkerRequest, WorkerResponse } from './protocol.js';
import { renderDocument, sealReply } from './reply-job.js';

// Results are copied, not transferred: a small Buffer may share Node's pooled ArrayBuffer.
const port = parentPort;
if (port === null) throw new Error('worker.ts runs only as a worker thread');
const init = workerData as WorkerInit;
const keyring = await loadPrivateKeyring(init.keys);
port.postMessage({ id: 0, ready: true } satisfies WorkerResponse);

port.on('message', (request: WorkerRequest) => {
  const work = request.kind === 'seal' ? sealReply(request.job, keyring) : renderDocument(request.document);
  work.then(
    (bytes) => port.postMessage({ id: request.id, ok: true, bytes } satisfies WorkerResponse),
    (error: unknown) => port.postMessage({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies WorkerResponse),
  );
});
