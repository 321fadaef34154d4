export * from './message.js';
export * from './codec.js';
export * from './shorthand.js';
export { validateDecision } from './validate.js';
export { parseRfc3339, formatRfc3339, RFC3339_HINT } from './rfc3339.js';
export { DURATION_HINT } from './duration.js';
