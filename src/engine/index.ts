/**
 * The engine: NumPy-faithful RNN/LSTM forward and backward, streaming runner, gradient check,
 * random problems and benchmark. Pure TypeScript: runs in Node, a worker thread and a browser.
 */
export * from './types';
export { forward, backward, run, createRunner, cellBackwardAt, type Runner, type BackwardOptions, type ReuseOptions } from './run';
export { stepMajorToNd, ndToStepMajor, lazyOnesDa, daIsLazyOnes, daValues } from './layout';
export {
  rnn_cell_forward, rnn_forward, rnn_cell_backward, rnn_backward,
  lstm_cell_forward, lstm_forward, lstm_cell_backward, lstm_backward,
  softmax, sigmoid,
} from './numpy';
export { randomProblem, Rng, type RandomProblemOptions } from './random';
export { gradcheck, gradcheckDefaults, gradcheckSteps, type GradcheckOptions, type GradcheckProgress } from './gradcheck';
export { benchmark, flopCount, type BenchOptions } from './bench';
export { setBackend, wasmAvailable, wasmFmaAvailable, BACKEND_CHOICES, type BackendName, type BackendChoice } from './backend';
export {
  CheckpointedRun, checkpointedBytes, fullCacheBytes, smallestSpacingFor, spacingForBudget,
  type CheckpointedRunOptions, type ForwardWindow, type BackwardWindow,
} from './checkpoint';
