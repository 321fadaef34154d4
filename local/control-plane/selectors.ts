/**
 * `labelSelector` and `fieldSelector` query parameters, as a real server reads them for custom resources:
 * labels with equality (`a=b`, `a==b`, `a!=b`) and set-based requirements (`a in (x,y)`, `a notin (x)`, `a`,
 * `!a`); fields `metadata.name` and `metadata.namespace` with `=`, `==` and `!=`.
 */
import { badRequest } from './status.js';

export type Selector = (labels: Readonly<Record<string, string>>) => boolean;

/** Splits on commas outside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  terms.push(current);
  return terms.map((term) => term.trim()).filter((term) => term !== '');
}

const keyPattern = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const valuePattern = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function checkKey(key: string, term: string): string {
  if (!keyPattern.test(key))
    throw badRequest(`unable to parse requirement: invalid label key "${key}" in "${term}"`);
  return key;
}

function checkValue(value: string, term: string): string {
  if (!valuePattern.test(value) || value.length > 63) {
    throw badRequest(`unable to parse requirement: invalid label value "${value}" in "${term}"`);
  }
  return value;
}

function parseRequirement(term: string): Selector {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
  if (set !== null) {
    const key = checkKey(set[1] ?? '', term);
    const values = new Set((set[3] ?? '').split(',').map((v) => checkValue(v.trim(), term)));
    return set[2] === 'in'
      ? (labels) => labels[key] !== undefined && values.has(labels[key])
      : (labels) => labels[key] === undefined || !values.has(labels[key]);
  }
  const equality = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (equality !== null) {
    const key = checkKey(equality[1] ?? '', term);
    const value = checkValue(equality[3] ?? '', term);
    return equality[2] === '!=' ? (labels) => labels[key] !== value : (labels) => labels[key] === value;
  }
  if (term.startsWith('!')) {
    const key = checkKey(term.slice(1).trim(), term);
    return (labels) => labels[key] === undefined;
  }
  const key = checkKey(term, term);
  return (labels) => labels[key] !== undefined;
}

export function parseLabelSelector(text: string | null): Selector {
  if (text === null || text.trim() === '') return () => true;
  const requirements = splitTerms(text).map(parseRequirement);
  return (labels) => requirements.every((matches) => matches(labels));
}

export interface FieldSet {
  readonly 'metadata.name': string;
  readonly 'metadata.namespace': string;
}

export type FieldSelector = (fields: FieldSet) => boolean;

/** The field `kubectl get NAME -w` filters on (`metadata.name=NAME`), and `metadata.namespace`. */
export function parseFieldSelector(text: string | null): FieldSelector {
  if (text === null || text.trim() === '') return () => true;
  const requirements = text.split(',').map((term): FieldSelector => {
    const match = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
    if (match === null) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const field = match[1] ?? '';
    if (field !== 'metadata.name' && field !== 'metadata.namespace') {
      throw badRequest(`field label not supported: ${field}`);
    }
    const value = match[3] ?? '';
    return match[2] === '!=' ? (fields) => fields[field] !== value : (fields) => fields[field] === value;
  });
  return (fields) => requirements.every((matches) => matches(fields));
}
