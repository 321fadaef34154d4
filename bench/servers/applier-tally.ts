/**
 * Counts what became of the messages of one phase of `npm run bench:applier` from the applier's log lines
 * (one per delivery, naming the Pub/Sub message id and the outcome) and the writes seen on the watch.
 */
import type { LogLine } from './function-process.js';
import type { ApplyCounts } from './applier-report.js';

/** The applier's log line of the delivery of Pub/Sub message `messageId`, when it has arrived. */
export function lineOf(lines: readonly LogLine[], messageId: string): LogLine | undefined {
  return lines.find((l) => l.fields['messageId'] === messageId && typeof l.fields['outcome'] === 'string');
}

/** The `latencyMs` of a log line, NaN when it has none. */
export function latencyOf(line: LogLine | undefined): number {
  const value = line?.fields['latencyMs'];
  return typeof value === 'number' ? value : NaN;
}

/**
 * Tallies the log lines (those naming a message id) against the message ids published in the phase, and
 * counts the writes seen: `writes` is the number of new resourceVersions the watch delivered. Lines of
 * the messages in `otherPhases` (the same instance's warm-up) are left out.
 */
export function tally(
  lines: readonly LogLine[],
  messageIds: readonly string[],
  writes: number,
  otherPhases: readonly string[] = [],
): ApplyCounts {
  const expected = new Set(messageIds);
  const ignored = new Set(otherPhases);
  const logged = new Set<string>();
  const counts: ApplyCounts = {
    published: messageIds.length,
    applied: 0,
    duplicate: 0,
    failed: 0,
    missing: 0,
    unexpected: 0,
    writes,
  };
  for (const { fields } of lines) {
    const messageId = fields['messageId'];
    const outcome = fields['outcome'];
    if (typeof messageId !== 'string' || typeof outcome !== 'string' || ignored.has(messageId)) continue;
    if (!expected.has(messageId)) {
      counts.unexpected += 1;
      continue;
    }
    logged.add(messageId);
    if (outcome === 'applied') counts.applied += 1;
    else if (outcome === 'duplicate') counts.duplicate += 1;
    else counts.failed += 1;
  }
  counts.missing = messageIds.filter((id) => !logged.has(id)).length;
  return counts;
}
