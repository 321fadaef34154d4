import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startListening } from '../local/child-process.js';
import { freePort } from '../local/ports.js';
import { startRedisServer, type RedisServer } from '../local/redis-server.js';

const root = fileURLToPath(new URL('../', import.meta.url));
// Inside the repository so that the compiled files resolve the repository's node_modules.
const outDir = join(root, '.spillway', 'test-build');

/** What the Dockerfiles do: compile with tsconfig.build.json, copy the page, run with plain `node`. */
describe('compiled services (as in the images)', () => {
  let redis: RedisServer;

  before(() => {
    rmSync(outDir, { recursive: true, force: true });
    execFileSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir],
      { cwd: root, stdio: 'inherit' },
    );
    cpSync(join(root, 'services/frontend/public'), join(outDir, 'services/frontend/public'), {
      recursive: true,
    });
  });
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await redis.stop();
    rmSync(outDir, { recursive: true, force: true });
  });

  for (const service of ['worker', 'frontend'] as const) {
    test(`${service}: dist/services/${service}/server.js runs with plain node and serves`, async () => {
      const file = join(outDir, 'services', service, 'server.js');
      assert.ok(existsSync(file));
      const port = await freePort();
      const child = await startListening({
        name: `dist/services/${service}/server.js`,
        command: process.execPath,
        args: [file],
        env: {
          ...process.env,
          PORT: String(port),
          HOST: '127.0.0.1',
          REDIS_URL: redis.url,
          NODE_ENV: 'production',
        },
        port,
      });
      try {
        const response = await fetch(`http://127.0.0.1:${port}/`);
        assert.equal(response.status, 200);
        if (service === 'frontend') assert.match(await response.text(), /String Hashr/);
      } finally {
        await child.stop(); // SIGTERM, then waits for the exit
      }
      assert.equal(child.process.exitCode, 0, 'graceful exit on SIGTERM');
    });
  }
});

describe('Dockerfiles', () => {
  for (const service of ['worker', 'frontend'] as const) {
    test(`${service}: Node 24 base, multi-stage, production dependencies only, non-root, sources exist`, () => {
      const text = readFileSync(join(root, 'services', service, 'Dockerfile'), 'utf8');
      assert.match(text, /^ARG NODE_IMAGE=node:24[-\w.]*$/m);
      assert.equal((text.match(/^FROM /gm) ?? []).length, 3, 'build, deps and runtime stages');
      assert.match(text, /npm ci --omit=dev/);
      const runtime = text.slice(text.lastIndexOf('\nFROM '));
      assert.match(runtime, /^USER node$/m);
      assert.doesNotMatch(runtime, /npm ci(?! --omit=dev)/);
      for (const [, source] of runtime.matchAll(/^COPY (?!--from)(?:--chown=\S+ )?(\S+) /gm)) {
        assert.ok(existsSync(join(root, source ?? '')), `${source} exists`);
      }
      const cmd = /^CMD \["node", "dist\/(.+)\.js"\]$/m.exec(text);
      assert.ok(cmd, 'CMD runs a compiled file with node');
      assert.ok(existsSync(join(root, `${cmd[1] ?? ''}.ts`)), `${cmd[1]}.ts is the entry point`);
    });
  }

  test('the Node 24 pin is a devDependency only, so it never reaches an image or a function', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    assert.match(pkg.devDependencies['node'] ?? '', /^\^?24\./);
    assert.equal(pkg.dependencies['node'], undefined);
  });
});
