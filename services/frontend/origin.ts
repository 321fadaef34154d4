/** Which cluster computed a result: burst workers prefix their hashes with `bursty-`. */
export const Origins = ['primary', 'burst'] as const;
export type Origin = (typeof Origins)[number];

const BURST_PREFIX = 'bursty-';

export function originOf(result: string): Origin {
  return result.startsWith(BURST_PREFIX) ? 'burst' : 'primary';
}
