/** The judge thread's script (see judge-thread.ts and judge-handler.ts). */
import { serveThread } from '../threads.js';
import { judgeHandler, verdictTransfer } from './judge-handler.js';
import type { JudgeRequest, JudgeResponse, JudgeThreadInit } from './judge-thread.js';

await serveThread<JudgeThreadInit, JudgeRequest, JudgeResponse>(judgeHandler, verdictTransfer);
