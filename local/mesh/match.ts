/**
 * An HTTP route's `match` conditions, compiled once per configuration into predicates. Istio's semantics:
 * the conditions of one match block must all hold (AND), the blocks of a route are alternatives (OR), and a
 * route without blocks matches every request. `regex` is a full-string match (RE2 in Istio, JavaScript's
 * engine here: the common syntax is the same).
 */
import type { MatchRequest, StringMatch } from './resources.js';

/** What a match may look at in one request. */
export interface RequestFacts {
  readonly method: string;
  /** Path and query as received (`/hash?x=1`). */
  readonly url: string;
  /** The `Host` header. */
  readonly authority: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** What the mesh knows of the caller and of itself, for `sourceLabels`, `sourceNamespace`, `port`. */
export interface MatchContext {
  readonly sourceLabels: Readonly<Record<string, string>>;
  readonly sourceNamespace: string;
  /** The service port the caller addressed (the Kubernetes Service's port, 80 for worker-service). */
  readonly servicePort: number;
}

export type RequestPredicate = (request: RequestFacts) => boolean;

type TextPredicate = (value: string | undefined) => boolean;

export type Compiled<T> = { ok: true; value: T } | { ok: false; problem: string };

function compileString(match: StringMatch, where: string, lowerCase = false): Compiled<TextPredicate> {
  const norm = (s: string): string => (lowerCase ? s.toLowerCase() : s);
  if (match.exact !== undefined) {
    const exact = norm(match.exact);
    return { ok: true, value: (v) => v !== undefined && norm(v) === exact };
  }
  if (match.prefix !== undefined) {
    const prefix = norm(match.prefix);
    return { ok: true, value: (v) => v !== undefined && norm(v).startsWith(prefix) };
  }
  if (match.regex !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${match.regex})$`, lowerCase ? 'i' : '');
    } catch (err) {
      return { ok: false, problem: `${where}.regex is not a valid regular expression (${String(err)})` };
    }
    return { ok: true, value: (v) => v !== undefined && re.test(v) };
  }
  // An empty StringMatch: Istio reads it as "present" for headers and query parameters.
  return { ok: true, value: (v) => v !== undefined };
}

function headerValue(request: RequestFacts, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : value;
}

function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q === -1 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

/** One match block → a predicate, or the first problem (e.g. an invalid regex) with its path. */
function compileMatch(match: MatchRequest, where: string, context: MatchContext): Compiled<RequestPredicate> {
  const checks: RequestPredicate[] = [];
  const add = (
    m: StringMatch,
    path: string,
    read: (r: RequestFacts) => string | undefined,
    lower = false,
  ): string | undefined => {
    const compiled = compileString(m, path, lower);
    if (!compiled.ok) return compiled.problem;
    const test = compiled.value;
    checks.push((r) => test(read(r)));
    return undefined;
  };
  const problems: (string | undefined)[] = [];
  if (match.uri) {
    problems.push(add(match.uri, `${where}.uri`, (r) => splitUrl(r.url).path, match.ignoreUriCase === true));
  }
  if (match.method) problems.push(add(match.method, `${where}.method`, (r) => r.method));
  if (match.authority) problems.push(add(match.authority, `${where}.authority`, (r) => r.authority));
  for (const [name, m] of Object.entries(match.headers ?? {})) {
    problems.push(add(m, `${where}.headers.${name}`, (r) => headerValue(r, name)));
  }
  for (const [name, m] of Object.entries(match.withoutHeaders ?? {})) {
    const compiled = compileString(m, `${where}.withoutHeaders.${name}`);
    if (!compiled.ok) return compiled;
    const test = compiled.value;
    checks.push((r) => !test(headerValue(r, name)));
  }
  for (const [name, m] of Object.entries(match.queryParams ?? {})) {
    problems.push(
      add(m, `${where}.queryParams.${name}`, (r) => {
        const value = new URLSearchParams(splitUrl(r.url).query).get(name);
        return value ?? undefined;
      }),
    );
  }
  const problem = problems.find((p) => p !== undefined);
  if (problem !== undefined) return { ok: false, problem };
  // Conditions on the caller and the listener are the same for every request: decided here once.
  const staticallyTrue =
    (match.port === undefined || match.port === context.servicePort) &&
    (match.sourceNamespace === undefined || match.sourceNamespace === context.sourceNamespace) &&
    (match.gateways === undefined || match.gateways.includes('mesh')) &&
    Object.entries(match.sourceLabels ?? {}).every(([k, v]) => context.sourceLabels[k] === v);
  if (!staticallyTrue) return { ok: true, value: () => false };
  return { ok: true, value: (r) => checks.every((check) => check(r)) };
}

/** A route's match blocks → one predicate (any block); no blocks match everything. */
export function compileMatches(
  matches: readonly MatchRequest[] | undefined,
  where: string,
  context: MatchContext,
): Compiled<RequestPredicate> {
  if (matches === undefined || matches.length === 0) return { ok: true, value: () => true };
  const predicates: RequestPredicate[] = [];
  for (const [i, match] of matches.entries()) {
    const compiled = compileMatch(match, `${where}.match[${i}]`, context);
    if (!compiled.ok) return compiled;
    predicates.push(compiled.value);
  }
  return { ok: true, value: (r) => predicates.some((p) => p(r)) };
}
