/** Helpers for values as `JSON.parse` or a YAML parser hand them over (`unknown` until checked). */

export type JsonRecord = Record<string, unknown>;

/** A JSON object (a mapping): not null, not an array. */
export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as a problem message quotes it: its JSON text, `nothing` when it is absent. */
export function describeValue(value: unknown): string {
  return value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
}
