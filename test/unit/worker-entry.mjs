// The run worker's entry (src/worker/main.ts) as a thread script for unit tests: registers tsx in
// the thread (a worker does not inherit the test's `--import tsx` hooks), then loads the entry.
import { register } from 'tsx/esm/api';

register();
await import('../../src/worker/main.ts');
