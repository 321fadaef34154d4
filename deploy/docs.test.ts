import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { loadBuild } from './support/cloudbuild.js';
import { flagValue, installFakeTools, type FakeTools, type ToolCall } from './support/fake-tools.js';
import { gcloudRejects, inBatches } from './support/gcloud.js';
import { readText, root } from './support/repo.js';

const guide = 'docs/deploy-gcp.md';

/** The shell blocks of a Markdown file, as logical lines (backslash continuations joined). */
function shellLines(markdown: string): string[] {
  const lines: string[] = [];
  for (const block of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const text = (block[1] ?? '').replace(/\\\n\s*/g, '');
    for (const line of text.split('\n'))
      if (line.trim() !== '' && !line.trim().startsWith('#')) lines.push(line.trim());
  }
  return lines;
}

/** Markdown links to files of the repository, as paths from the root. */
function localLinks(file: string): string[] {
  const links: string[] = [];
  for (const match of readText(file).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
    const target = match[1] ?? '';
    if (/^[a-z]+:/.test(target)) continue;
    links.push(normalize(join(dirname(file), target)));
  }
  return links;
}

describe('docs/deploy-gcp.md', () => {
  const lines = shellLines(readText(guide));
  const assignments = lines.filter((l) => /^(export )?[A-Z_]+=/.test(l));
  const gcloudLines = lines.filter((l) => l.startsWith('gcloud '));
  let dir: string;
  let fakes: FakeTools;
  let calls: ToolCall[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'spillway-guide-'));
    fakes = installFakeTools(dir);
    const cwd = join(dir, 'repo');
    for (const file of ['cloudbuild.yaml', 'scheduler.yaml'])
      cpSync(join(root, file), join(cwd, file), { recursive: true });
    // Each gcloud command of the guide, run by bash exactly as written (after the guide's variables),
    // with the stand-in gcloud recording what it is asked.
    for (const [index, line] of gcloudLines.entries()) {
      const script = ['set -eu', ...assignments, line].join('\n');
      const result = spawnSync('bash', ['-c', script], {
        cwd,
        env: fakes.env(`guide-${index}`, 'existing'),
        encoding: 'utf8',
      });
      assert.equal(result.status, 0, `${line}\n${result.stderr}`);
    }
    calls = fakes.calls().filter((c) => c.tool === 'gcloud');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('every gcloud command of the guide is one the real gcloud accepts', async () => {
    assert.ok(gcloudLines.length >= 40, `only ${gcloudLines.length} gcloud commands found`);
    const unique = new Map<string, string[]>();
    for (const call of calls) unique.set(call.args.join('\0'), call.args);
    const cwd = join(dir, 'repo');
    const complaints = await inBatches([...unique.values()], 3, async (args) => {
      const complaint = await gcloudRejects(args, cwd);
      return complaint === undefined ? undefined : `gcloud ${args.join(' ')}\n  → ${complaint}`;
    });
    assert.deepEqual(complaints.filter(Boolean), []);
  });

  test('every kubectl and istioctl command names its cluster with --context', () => {
    for (const line of lines) {
      for (const segment of line.split(/\||&&|;/).map((s) => s.trim())) {
        const [tool, verb] = segment.split(/\s+/);
        if (tool !== 'kubectl' && tool !== 'istioctl') continue;
        if (tool === 'kubectl' && (verb === 'config' || verb === 'kustomize')) continue;
        assert.match(segment, /--context=(primary|burst)\b/, segment);
      }
    }
  });

  test('the accounts the guide creates are the ones the build uses; the build account is bound in both clusters', () => {
    const config = loadBuild();
    const created = calls
      .filter((c) => c.args.slice(0, 3).join(' ') === 'iam service-accounts create')
      .map((c) => c.args[3]);
    for (const name of ['_DECIDER_SA', '_APPLIER_SA', '_TRIGGER_SA', '_SCHEDULER_SA']) {
      assert.ok(
        created.includes(config.substitutions[name]),
        `${name} (${config.substitutions[name] ?? '?'})`,
      );
    }
    const submit = calls.find((c) => c.args[0] === 'builds' && c.args[1] === 'submit');
    const buildAccount = /serviceAccounts\/(.+)$/.exec(
      flagValue(submit?.args ?? [], '--service-account') ?? '',
    )?.[1];
    assert.ok(
      buildAccount && created.includes(buildAccount.split('@')[0]),
      'the build runs as an account created here',
    );
    const bindings = lines.filter((l) => l.includes('create rolebinding spillway-deployer'));
    assert.deepEqual(bindings.map((l) => /--context=(\w+)/.exec(l)?.[1]).sort(), ['burst', 'primary']);
    for (const binding of bindings)
      assert.ok(binding.includes('--user="spillway-build@$PROJECT_ID.iam.gserviceaccount.com"'));
    assert.match(buildAccount, /^spillway-build@[a-z0-9-]+\.iam\.gserviceaccount\.com$/);
    // What the guide passes to the build is declared there.
    const passed = (flagValue(submit?.args ?? [], '--substitutions') ?? '')
      .split(',')
      .map((kv) => kv.split('=')[0] ?? '');
    for (const name of passed)
      assert.ok(name in config.substitutions, `${name} is not a substitution of the build`);
    assert.equal(flagValue(submit?.args ?? [], '--config'), 'cloudbuild.yaml');
  });

  test('every substitution of the build is documented, with its default', () => {
    const config = loadBuild();
    const text = readText(guide);
    for (const [name, value] of Object.entries(config.substitutions)) {
      const row = text.split('\n').find((l) => l.startsWith(`| \`${name}\``));
      assert.ok(row, `${name} is not in the table`);
      const documented = String(value).replace('${PROJECT_ID}', 'PROJECT_ID');
      assert.ok(
        documented === '' ? row.includes('empty') : row.includes(`\`${documented}\``),
        `${name}: ${documented}`,
      );
    }
  });

  test('the guide and the READMEs link to files that exist, and the READMEs link to the guide', () => {
    for (const file of [guide, 'k8s/README.md', 'istio/README.md']) {
      for (const link of localLinks(file)) {
        if (!/^(k8s|istio|docs\/deploy-gcp\.md|cloudbuild\.yaml|scheduler\.yaml)/.test(link)) continue;
        assert.ok(existsSync(join(root, link)), `${file} links to ${link}, which does not exist`);
      }
    }
    for (const readme of ['k8s/README.md', 'istio/README.md']) {
      assert.ok(localLinks(readme).includes(guide), `${readme} does not link to ${guide}`);
    }
    for (const path of [
      'istio/install/primary.yaml',
      'istio/install/burst.yaml',
      'k8s/bootstrap/deployer-role.yaml',
    ]) {
      assert.ok(
        lines.some((l) => l.includes(path)),
        `the guide never uses ${path}`,
      );
    }
  });

  test("the operator's override and release are in the guide, on the decision topic", () => {
    const config = loadBuild();
    const publishes = calls.filter((c) => c.args.slice(0, 3).join(' ') === 'pubsub topics publish');
    assert.ok(publishes.every((c) => c.args[3] === config.substitutions['_TOPIC']));
    const messages = publishes.map((c) => flagValue(c.args, '--message'));
    for (const message of ['burst', 'auto']) assert.ok(messages.includes(message), message);
    const burst = publishes.find((c) => flagValue(c.args, '--message') === 'burst');
    assert.match(flagValue(burst?.args ?? [], '--attribute') ?? '', /^ttl=\d+[smh],reason=.+/);
  });
});
