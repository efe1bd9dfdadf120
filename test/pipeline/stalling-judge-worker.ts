/**
 * A judge thread that never answers for a message whose Message-ID says `stall`, dies on one whose
 * Message-ID says `crash`, and judges the others as the real one does: a message slower than any
 * budget, or fatal to its thread, on any machine.
 */
import { serveThread } from '../../src/threads.js';
import { judgeHandler, verdictTransfer } from '../../src/pipeline/judge-handler.js';
import type { JudgeRequest, JudgeResponse, JudgeThreadInit } from '../../src/pipeline/judge-thread.js';

await serveThread<JudgeThreadInit, JudgeRequest, JudgeResponse>(async (init) => {
  const judge = await judgeHandler(init);
  return (request) => {
    const raw = Buffer.from(request.submission.original);
    if (raw.includes('<stall@')) return new Promise<never>(() => undefined);
    if (raw.includes('<crash@')) process.exit(70);
    return judge(request);
  };
}, verdictTransfer);
