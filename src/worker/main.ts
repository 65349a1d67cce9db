/**
 * The worker thread's entry (bundled to dist/worker.js). The same bundle serves four jobs,
 * chosen by `workerData.role`: the run session (no role), the parse thread and the da thread of
 * a load (threads.ts), the panel's gradient check (gradcheckThread.ts). It only wires them to the thread's port.
 */
import { stat } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import type { ToWorker } from './protocol';
import { RunSession } from './session';
import { daThreadRun, parseThreadMain, threadLoader } from './threads';
import { gradcheckThreadMain, isGradcheckThreadData } from './gradcheckThread';
import { isDaThreadData, isParseThreadData } from './threadData';

const port = parentPort;
if (!port) throw new Error('the run worker must run in a worker thread');
const data: unknown = workerData;

if (isParseThreadData(data)) void parseThreadMain(data, (m, transfer) => port.postMessage(m, transfer));
else if (isDaThreadData(data)) daThreadRun(data, (r, transfer) => port.postMessage(r, transfer));
else if (isGradcheckThreadData(data)) void gradcheckThreadMain(data, (e) => port.postMessage(e));
else {
  const fileSize = (path: string) => stat(path).then((st) => st.size, () => 0);
  const session = new RunSession((msg, transfer = []) => port.postMessage(msg, transfer), threadLoader(__filename, fileSize));
  port.on('message', (msg: ToWorker) => void session.receive(msg));
}
