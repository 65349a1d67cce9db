/** The text of `rnn-stepper --help` and of each command's `--help`. */
import { DEFAULT_MAX_MEMORY_MB } from '../engine/memory';

/** Each command's `--help` text. */
export const USAGE: Record<string, string> = {
  main: `usage: rnn-stepper <command> [options]

Step-by-step RNN/LSTM math, from the command line.

commands:
  run FIXTURE [-o OUT]            forward + backward; writes the caches export (stdout without -o)
  gradcheck FIXTURE [--eps 1e-6]  finite-difference check of every gradient
  new --kind rnn|lstm [dims]      write a reproducible random fixture
  bench [FIXTURE | --kind K ...]  time forward and backward in-process

'rnn-stepper <command> --help' shows a command's options.
exit codes: 0 ok, 1 check failed, 2 bad input or usage
`,
  run: `usage: rnn-stepper run FIXTURE [-o OUT]

Runs the forward and backward pass of FIXTURE (a .rnn.json / .json fixture) and writes the caches
export ({"format": "rnn-stepper.caches", "version": 1, ...}; arrays in NumPy layout, time last).

options:
  -o, --out OUT       write the export to OUT instead of stdout ('-' is stdout). A file is
                      replaced atomically (temp file + rename, permissions kept); a symlink's
                      target is written (the link stays); a device or FIFO is written in place;
                      a directory is refused; OUT naming FIXTURE itself is refused without --force
  --force             allow -o to overwrite the fixture itself
  --max-bytes N       refuse fixtures larger than N bytes (default 536870912 = 512 MiB)
  --max-memory MB     refuse runs whose caches need more than MB megabytes (default ${DEFAULT_MAX_MEMORY_MB})
  -h, --help          show this help

A NaN or Infinity produced by the run is reported on stderr (first step, tensor and index).
`,
  gradcheck: `usage: rnn-stepper gradcheck FIXTURE [--eps 1e-6] [--max-entries N] [--seed S] [--tol 1e-7]

Compares every analytic gradient (dx, da0, dW*, db*; dc0 for LSTMs) with central finite
differences of L = sum(da * a) (+ dc_next * c for LSTM cells): all entries of small arrays, a
seeded sample of large ones. Prints a table per gradient with the max absolute and relative
error; exits 1 when a relative error is above the tolerance (or not a number).

options:
  --eps H             finite-difference step (default 1e-6)
  --max-entries N     probe at most N entries per gradient (default 64)
  --seed S            seed of the sample (default 0)
  --tol T             relative error above which the check fails (default 1e-7)
  --max-bytes N       refuse fixtures larger than N bytes (default 512 MiB)
  --max-memory MB     refuse runs whose caches need more than MB megabytes (default ${DEFAULT_MAX_MEMORY_MB})
  --quiet             no progress lines on stderr
  -h, --help          show this help
`,
  new: `usage: rnn-stepper new --kind rnn|lstm [--n-x 3] [--n-a 5] [--n-y 2] [-m 10] [-T 4] [--seed 1] [-o FILE]

Writes a reproducible random fixture: x ~ N(0,1), a0 ~ 0.1 N(0,1), weights ~ N(0,1)/sqrt(fan_in),
biases ~ 0.1 N(0,1), da ~ N(0,1). The same options and seed always give the same file.

options:
  --kind rnn|lstm     cell type (required)
  --n-x N             input features (default 3)
  --n-a N             hidden units (default 5)
  --n-y N             output classes (default 2)
  -m, --m N           batch size (default 10)
  -T, --T N           time steps (default 4)
  --seed S            random seed (default 1)
  --name NAME         fixture name (default derived from the options)
  -o, --out FILE      write to FILE (same rules as 'run -o'; '-' is stdout)
  --max-bytes N       refuse to write fixtures that 'run' would refuse: larger than N bytes
                      (default 512 MiB)
  -h, --help          show this help
`,
  bench: `usage: rnn-stepper bench [FIXTURE | --kind rnn|lstm --n-x N --n-a N --n-y N -m N -T N] [--repeat N] [--json]

Times the engine's forward and backward in-process after warm-up and prints the medians (ms),
GFLOP/s and peak memory. Without FIXTURE a random problem of the given size is used (defaults as
in 'rnn-stepper new'). Timings on a busy machine are noisy: compare runs side by side.

options:
  --repeat N          timed repetitions (default 5)
  --warmup N          untimed warm-up runs (default 1; 0 allowed)
  --backend B         auto (default), js or wasm-simd
  --json              print one JSON object (forward_ms, backward_ms, total_ms, ...)
  --seed S            seed of the random problem (default 1)
  --max-bytes N       refuse fixtures larger than N bytes (default 512 MiB)
  --max-memory MB     refuse runs whose caches need more than MB megabytes (default ${DEFAULT_MAX_MEMORY_MB})
  -h, --help          show this help
`,
};
