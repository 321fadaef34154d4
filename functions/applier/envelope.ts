import { parseRfc3339 } from '../../core/decision/rfc3339.js';
import { isRecord } from '../../core/json.js';

/**
 * The Pub/Sub message inside what the Functions Framework hands a CloudEvent function. Two shapes reach it:
 *   - a CloudEvent `google.cloud.pubsub.topic.v1.messagePublished` (Eventarc, or a push request the
 *     framework converted): `event.data.message = {data (base64), attributes, messageId, publishTime}`;
 *   - a push request the framework did NOT convert — it converts only bodies whose `message.data` is not
 *     empty — arrives as the raw push body itself: `event.message = {…}`, `event.subscription`.
 */
export type PubSubEnvelope = {
  data: Buffer;
  attributes: Record<string, string>;
  messageId?: string;
  /** When Pub/Sub accepted the message; an operator's shorthand is issued at this time. */
  publishTime?: Date;
};

export type EnvelopeResult = { ok: true; envelope: PubSubEnvelope } | { ok: false; reason: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function messageOf(event: unknown): Record<string, unknown> | undefined {
  if (!isRecord(event)) return undefined;
  const data = event['data'];
  if (isRecord(data) && isRecord(data['message'])) return data['message'];
  if (isRecord(event['message'])) return event['message'];
  return undefined;
}

/** Reads the Pub/Sub message out of either shape; answers why not when it is neither. */
export function readEnvelope(event: unknown): EnvelopeResult {
  const message = messageOf(event);
  if (message === undefined)
    return {
      ok: false,
      reason:
        'not a Pub/Sub message: expected a messagePublished CloudEvent (data.message) or a push body (message)',
    };
  const data = message['data'] ?? '';
  if (typeof data !== 'string' || data.length % 4 !== 0 || !BASE64.test(data))
    return { ok: false, reason: 'message.data is not base64 text' };
  const rawAttributes = message['attributes'] ?? {};
  if (!isRecord(rawAttributes)) return { ok: false, reason: 'message.attributes is not an object' };
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawAttributes)) {
    if (typeof value !== 'string')
      return { ok: false, reason: `attribute ${JSON.stringify(key)} is not a string` };
    attributes[key] = value;
  }
  const messageId = message['messageId'] ?? message['message_id'];
  const publishTimeText = message['publishTime'] ?? message['publish_time'];
  const publishTime = typeof publishTimeText === 'string' ? parseRfc3339(publishTimeText) : undefined;
  return {
    ok: true,
    envelope: {
      data: Buffer.from(data, 'base64'),
      attributes,
      ...(typeof messageId === 'string' && messageId !== '' ? { messageId } : {}),
      ...(publishTime === undefined ? {} : { publishTime }),
    },
  };
}
