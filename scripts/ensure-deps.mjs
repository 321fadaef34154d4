#!/usr/bin/env node
// Installs what `npm start`, `npm test` and the other scripts need on a fresh machine: the npm packages (when node_modules is
// missing or older than package-lock.json) and the Debian packages whose programs they run. Runs on any
// Node ≥ 18 (it starts before the project's pinned Node 24 is installed). Without root it prints the exact
// command to run instead.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const purpose = process.argv[2] ?? 'test';

/** Debian package → the program it provides, per purpose. */
const debianPackages = {
  npm: {},
  start: { 'redis-server': 'redis-server', prometheus: 'prometheus' },
  test: { 'redis-server': 'redis-server', prometheus: 'prometheus', chromium: 'chromium' },
};

function say(message) {
  process.stderr.write(`[spillway] ${message}\n`);
}

function has(program) {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

function ensureNpmPackages() {
  const lock = join(root, 'package-lock.json');
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  say('installing npm packages (npm ci)…');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

function ensureDebianPackages() {
  const wanted = debianPackages[purpose] ?? debianPackages.test;
  const missing = Object.entries(wanted)
    .filter(([, program]) => !has(program))
    .map(([pkg]) => pkg);
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !has('apt-get')) {
    say(`missing programs from Debian packages: ${missing.join(', ')}`);
    say(`install them with:  sudo sh -c '${command}'`);
    process.exit(1);
  }
  say(`installing Debian packages: ${missing.join(', ')}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('sh', ['-c', command], { stdio: 'inherit', env });
}

ensureNpmPackages();
ensureDebianPackages();
