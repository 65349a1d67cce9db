// `rnn-stepper dap` as one executable for DebugClient (which spawns `node <file>` with no arguments).
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const child = spawn(process.execPath, [join(__dirname, '..', '..', '..', 'dist', 'cli.js'), 'dap'], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
process.on('SIGTERM', () => child.kill('SIGTERM'));
