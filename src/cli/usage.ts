/**
 * Each `rnn-stepper` command's `--help` text (`rnn-stepper help CMD` prints the same), in one
 * place; the commands themselves are in cli.ts (check: check.ts, dap: dap.ts).
 */
import { DEFAULT_MAX_MEMORY_MB } from '../engine/memory';
import { CHECK_USAGE } from './check';
import { DAP_USAGE } from './dap';

/** Each command's `--help` text. */
export const USAGE: Record<string, string> = {
  dap: DAP_USAGE,
  main: `usage: rnn-stepper <command> [options]

Step-by-step RNN/LSTM math, from the command line.

commands:
  run FIXTURE [-o OUT]            forward + backward; writes the caches export (stdout without -o)
  gradcheck FIXTURE [--eps 1e-6]  finite-difference check of every gradient
  new --kind K [dims] [--init I]  write a reproducible fixture (rnn, lstm, rnn_cell, lstm_cell)
  bench [FIXTURE | --kind K ...]  time forward and backward in-process
  check IMPL.py [FIXTURE]         run your own rnn.py against the engine: first divergence, likely slip
  dap                             the 'rnn' debug adapter on stdin/stdout (any DAP client)

'rnn-stepper <command> --help' shows a command's options.
exit codes: 0 ok, 1 check failed, 2 bad input or usage
`,
  run: `usage: rnn-stepper run FIXTURE [-o OUT]

Runs the forward and backward pass of FIXTURE (a .rnn.json / .json fixture, or a .npz holding x, a0
and the parameters) and writes the caches export ({"format": "rnn-stepper.caches", "version": 1,
...}; arrays in NumPy layout, time last).

options:
  -o, --out OUT       write the export to OUT instead of stdout ('-' is stdout); OUT ending in
                      .npz gets a NumPy archive (np.load(OUT)["a"], ["dWf"], …). A file is
                      replaced atomically (temp file + rename, permissions kept); a symlink's
                      target is written (the link stays); a device or FIFO is written in place;
                      a directory is refused; OUT naming FIXTURE itself is refused without --force
  --force             allow -o to overwrite the fixture itself
  --max-bytes N       refuse fixtures larger than N bytes (default 536870912 = 512 MiB)
  --max-memory MB     refuse runs whose caches need more than MB megabytes (default ${DEFAULT_MAX_MEMORY_MB})
  -h, --help          show this help

A NaN or Infinity produced by the run is reported on stderr (first step, tensor and index).
`,
  gradcheck: `usage: rnn-stepper gradcheck FIXTURE [--eps 1e-6] [--samples N] [--seed S] [--tol 1e-7]

Compares every analytic gradient (dx, da0, dW*, db*; dc0 for LSTMs) with central finite
differences of L = sum(da * a) (+ dc_next * c for LSTM cells): all entries of small arrays, a
seeded sample of large ones (the report says how many of how many, and where the worst one is).
Prints a table per gradient with the max absolute and relative error; exits 1 when a relative
error is above the tolerance (or not a number). Progress goes to stderr.

options:
  --eps H             finite-difference step (default 1e-6; 1e-5 when the loss sums over more than
                      1e5 terms, where round-off dominates)
  --samples N         probe at most N entries per gradient (default 64, fewer when one probe is
                      expensive: about a minute of CPU in all; S3's LSTM gets 4; alias --max-entries)
  --seed S            seed of the sample (default 0)
  --tol T             relative error above which the check fails (default 1e-7)
  --max-bytes N       refuse fixtures larger than N bytes (default 512 MiB)
  --max-memory MB     refuse runs whose caches need more than MB megabytes (default ${DEFAULT_MAX_MEMORY_MB})
  -h, --help          show this help
`,
  new: `usage: rnn-stepper new --kind rnn|lstm|rnn_cell|lstm_cell [--n-x 3] [--n-a 5] [--n-y 2] [-m 10] [-T 4] [--seed 1] [--init random] [-o FILE]

Writes a reproducible fixture; the same options and seed always give the same file, and run
reads every file it writes (sizes above the 512 MiB fixture limit are refused).

initialisations (--init):
  random      x ~ N(0,1), a0 ~ 0.1 N(0,1), weights ~ N(0,1)/sqrt(fan_in), biases ~ 0.1 N(0,1), da ~ N(0,1)
  coursera    NumPy's np.random.seed(SEED); np.random.randn(...) in the Coursera notebook's order
              (seed 1 at the notebook's sizes gives its tensors)
  saturated   weights 4/sqrt(fan_in), biases ±2: most units saturated
  vanishing   recurrent weights 0.3/sqrt(n_a) (LSTM: forget bias -3): gradients shrink back in time
  exploding   recurrent weights 2.5/sqrt(n_a), small inputs (LSTM: forget bias +3): gradients grow

options:
  --kind K            rnn, lstm, rnn_cell or lstm_cell (required)
  --n-x N             input features (default 3)
  --n-a N             hidden units (default 5)
  --n-y N             output classes (default 2)
  -m, --m N           batch size (default 10)
  -T, --T N           time steps (default 4; the cell kinds are one step)
  --seed S            random seed (default 1)
  --init I            random (default), coursera, saturated, vanishing or exploding
  --name NAME         fixture name (default derived from the options)
  -o, --out FILE      write to FILE instead of stdout (same rules as 'run -o'; '-' is stdout)
  -h, --help          show this help
`,
  bench: `usage: rnn-stepper bench [FIXTURE | --kind rnn|lstm --n-x N --n-a N --n-y N -m N -T N] [--repeat N] [--json]

Times the engine's forward and backward in-process after warm-up and prints the medians (ms),
GFLOP/s and peak memory. Without FIXTURE a random problem of the given size is used (defaults as
in 'rnn-stepper new'). Timings on a busy machine are noisy: compare runs side by side.

options:
  --repeat N          timed repetitions (default 5)
  --warmup N          untimed warm-up runs (default 1; 0 allowed)
  --backend B         auto (default: wasm-fma where relaxed SIMD validates, else wasm-simd;
                      js below 2048 multiply-adds per step), js, wasm-simd or wasm-fma
  --json              print one JSON object (forward_ms, backward_ms, total_ms, ...)
  --seed S            seed of the random problem (default 1)
  --max-bytes N       refuse fixtures larger than N bytes (default 512 MiB)
  --max-memory MB     refuse runs whose caches need more than MB megabytes (default ${DEFAULT_MAX_MEMORY_MB})
  -h, --help          show this help
`,
};

USAGE.check = CHECK_USAGE;
