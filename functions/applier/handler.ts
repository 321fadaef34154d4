import type { CloudEventFunction } from '@google-cloud/functions-framework';
import type { Applier, ApplyResult } from './applier.js';

/**
 * The CloudEvent function around an applier: returns normally when the message is done with (applied,
 * skipped by the rules, or refused for good — each logged), throws when it must be delivered again.
 * `onResult` sees every result (the local stack's status, tests).
 */
export function applierHandler(
  getApplier: () => Applier,
  onResult?: (result: ApplyResult) => void,
): CloudEventFunction<unknown> {
  return async (event) => {
    const result = await getApplier().handle(event);
    onResult?.(result);
    if (result.status === 'retry') {
      const failed = result.clusters.filter((c) => c.status === 'failed').map((c) => c.reason);
      throw new Error(`not applied everywhere, Pub/Sub will deliver it again: ${failed.join('; ')}`);
    }
  };
}
