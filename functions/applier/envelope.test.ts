import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readEnvelope } from './envelope.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('readEnvelope: the two shapes the Functions Framework hands over', () => {
  test('a messagePublished CloudEvent (Eventarc, or a converted push body)', () => {
    const r = readEnvelope({
      specversion: '1.0',
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      data: {
        message: {
          data: b64('burst'),
          attributes: { ttl: '5m' },
          messageId: '42',
          publishTime: '2026-11-26T10:00:00.123Z',
        },
        subscription: 'projects/p/subscriptions/s',
      },
    });
    assert.ok(r.ok);
    assert.equal(r.envelope.data.toString(), 'burst');
    assert.deepEqual(r.envelope.attributes, { ttl: '5m' });
    assert.equal(r.envelope.messageId, '42');
    assert.equal(r.envelope.publishTime?.toISOString(), '2026-11-26T10:00:00.123Z');
  });

  test('a raw push body (an empty message is not converted by the framework)', () => {
    const r = readEnvelope({
      message: { attributes: { a: 'b' }, messageId: '7', publishTime: '2026-11-26T10:00:00Z' },
      subscription: 's',
    });
    assert.ok(r.ok);
    assert.equal(r.envelope.data.length, 0);
    assert.equal(r.envelope.messageId, '7');
  });

  const bad: [string, unknown, RegExp][] = [
    ['not an object', 'hello', /not a Pub\/Sub message/],
    ['no message', { data: { foo: 1 } }, /not a Pub\/Sub message/],
    ['data not base64', { data: { message: { data: 'not base64!' } } }, /message.data is not base64 text/],
    ['data not a string', { data: { message: { data: 5 } } }, /message.data is not base64 text/],
    [
      'attributes not an object',
      { data: { message: { data: '', attributes: [] } } },
      /attributes is not an object/,
    ],
    [
      'an attribute not a string',
      { data: { message: { data: '', attributes: { ttl: 5 } } } },
      /attribute "ttl" is not a string/,
    ],
  ];
  for (const [name, event, reason] of bad)
    test(`refused: ${name}`, () => {
      const r = readEnvelope(event);
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.reason, reason);
    });
});
