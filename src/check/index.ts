/**
 * "Check my implementation": the learner's own rnn.py / notebook against the engine.
 *
 *   const { report, details, definitions } = await checkImplementation({ implPath, problem });
 *
 * `report` is the `rnn-stepper.check` v1 JSON; `details` has, for each mismatching function, the
 * diverging tensor (theirs and ours) for heatmaps; `definitions` the `def` lines for diagnostics.
 * Node only (spawns Python). See README.md in this folder for the design.
 */
export { checkImplementation, courseraProblems, DEFAULT_ATOL, DEFAULT_RTOL, DEFAULT_TIMEOUT_MS } from './check';
export { CATALOGUE_IDS } from './variants/index';
export * from './types';
