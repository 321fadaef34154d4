import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Value from 'typebox/value';
import { formatGkeCluster, GkeClustersSchema, parseGkeCluster, parseGkeClusters } from './cluster-name.js';

const primary = 'projects/my-project/locations/europe-west1-b/clusters/primary';
const burst = 'projects/123456789012/locations/us-central1/clusters/burst-1';

function reasonOf(result: { ok: true } | { ok: false; reason: string }): string {
  assert.equal(result.ok, false, 'expected a refusal');
  return result.ok ? '' : result.reason;
}

describe('parseGkeCluster', () => {
  test('a zonal cluster by project id, a regional one by project number', () => {
    assert.deepEqual(parseGkeCluster(primary), {
      ok: true,
      cluster: { project: 'my-project', location: 'europe-west1-b', name: 'primary' },
    });
    assert.deepEqual(parseGkeCluster(`  ${burst}\t`), {
      ok: true,
      cluster: { project: '123456789012', location: 'us-central1', name: 'burst-1' },
    });
  });

  test('formatGkeCluster gives back the resource name', () => {
    const parsed = parseGkeCluster(` ${primary} `);
    assert.ok(parsed.ok);
    assert.equal(formatGkeCluster(parsed.cluster), primary);
  });

  test('names at the limits: one letter, 40 characters', () => {
    assert.ok(parseGkeCluster('projects/my-project/locations/us-east4/clusters/a').ok);
    assert.ok(parseGkeCluster(`projects/my-project/locations/us-east4/clusters/a${'b'.repeat(39)}`).ok);
  });

  const bad: readonly [string, string, RegExp][] = [
    ['empty', '  ', /^empty; expected projects\/PROJECT\/locations\/LOCATION\/clusters\/NAME$/],
    ['wrong form', 'my-project/europe-west1/primary', /is not of the form projects\/PROJECT/],
    ['zones instead of locations', 'projects/p-12345/zones/europe-west1-b/clusters/x', /is not of the form/],
    ['extra segment', `${primary}/nodePools/default`, /is not of the form/],
    [
      'a kubectl context name',
      'gke_my-project_europe-west1-b_primary',
      /kubectl context name; write projects\/my-project\/locations\/europe-west1-b\/clusters\/primary/,
    ],
    [
      'an API URL',
      `https://container.googleapis.com/v1/${primary}`,
      /the resource name only, without the API URL/,
    ],
    [
      'project too short',
      'projects/abc/locations/us-east4/clusters/x',
      /project "abc" is neither a project id/,
    ],
    ['project upper case', 'projects/My-Project/locations/us-east4/clusters/x', /project "My-Project"/],
    ['project ends in hyphen', 'projects/my-project-/locations/us-east4/clusters/x', /project "my-project-"/],
    [
      'location not a region',
      'projects/my-project/locations/europe/clusters/x',
      /location "europe" is neither/,
    ],
    ['location upper case', 'projects/my-project/locations/EU-west1/clusters/x', /location "EU-west1"/],
    ['location zone of two letters', 'projects/my-project/locations/us-east4-ab/clusters/x', /location/],
    ['name empty', 'projects/my-project/locations/us-east4/clusters/', /cluster name "" is empty/],
    [
      'name too long',
      `projects/my-project/locations/us-east4/clusters/a${'b'.repeat(40)}`,
      /is 41 characters long \(at most 40\)/,
    ],
    [
      'name starts with digit',
      'projects/my-project/locations/us-east4/clusters/1st',
      /must start with a lower-case/,
    ],
    [
      'name upper case',
      'projects/my-project/locations/us-east4/clusters/Primary',
      /must start with a lower-case/,
    ],
    ['name underscore', 'projects/my-project/locations/us-east4/clusters/my_cluster', /contains "_"/],
    [
      'name ends in hyphen',
      'projects/my-project/locations/us-east4/clusters/primary-',
      /must not end with a hyphen/,
    ],
  ];
  for (const [what, text, reason] of bad) {
    test(`refused: ${what}`, () => {
      assert.match(reasonOf(parseGkeCluster(text)), reason);
    });
  }

  test('the reason quotes the entry', () => {
    assert.match(
      reasonOf(parseGkeCluster('projects/my-project/locations/us-east4/clusters/A')),
      /^"projects\/my-project\/locations\/us-east4\/clusters\/A": cluster name "A"/,
    );
  });
});

describe('parseGkeClusters', () => {
  test('two clusters, spaces around the entries trimmed, order kept', () => {
    const parsed = parseGkeClusters(` ${primary} , ${burst}`);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.clusters.map(formatGkeCluster), [primary, burst]);
  });

  test('one cluster', () => {
    const parsed = parseGkeClusters(primary);
    assert.ok(parsed.ok);
    assert.equal(parsed.clusters.length, 1);
  });

  test('refused: nothing given', () => {
    assert.match(reasonOf(parseGkeClusters(' ')), /^no cluster given/);
  });

  test('refused: an empty entry names its position', () => {
    assert.equal(
      reasonOf(parseGkeClusters(`${primary},,${burst}`)),
      'entry 2 of 3 is empty (a stray comma?)',
    );
    assert.equal(reasonOf(parseGkeClusters(`${primary},`)), 'entry 2 of 2 is empty (a stray comma?)');
  });

  test('refused: a bad entry names its position and the problem', () => {
    assert.match(
      reasonOf(parseGkeClusters(`${primary}, projects/my-project/locations/mars/clusters/burst`)),
      /^entry 2 of 2: "projects\/my-project\/locations\/mars\/clusters\/burst": location "mars"/,
    );
  });

  test('refused: a duplicate (also when written with other spaces)', () => {
    assert.equal(
      reasonOf(parseGkeClusters(`${primary},${burst}, ${primary}`)),
      `entry 3 of 3 repeats entry 1 (${primary})`,
    );
  });
});

describe('GkeClustersSchema', () => {
  const ok = (text: string) => Value.Check(GkeClustersSchema, text);

  test('accepts what parseGkeClusters accepts', () => {
    for (const text of [primary, `${primary},${burst}`, ` ${primary} , ${burst} `]) {
      assert.equal(ok(text), true, text);
      assert.equal(parseGkeClusters(text).ok, true, text);
    }
  });

  test('refuses bad forms, empty entries and bad parts', () => {
    for (const text of [
      '',
      `${primary},`,
      `${primary},,${burst}`,
      'gke_my-project_europe-west1-b_primary',
      'projects/abc/locations/us-east4/clusters/x',
      'projects/my-project/locations/europe/clusters/x',
      'projects/my-project/locations/us-east4/clusters/primary-',
      `projects/my-project/locations/us-east4/clusters/a${'b'.repeat(40)}`,
    ]) {
      assert.equal(ok(text), false, text);
      assert.equal(parseGkeClusters(text).ok, false, text);
    }
  });

  test('has a description for the config error', () => {
    assert.match(
      (GkeClustersSchema as { description?: string }).description ?? '',
      /projects\/PROJECT\/locations\/LOCATION\/clusters\/NAME/,
    );
  });
});
