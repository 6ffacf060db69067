/**
 * docs/openapi.yaml and the webhook's validator (shared/leave/leaveEvent.ts) describe the same contract: every
 * published example passes both, and both give the same verdict on structural mutations of the examples. The validator checks a few things JSON Schema cannot say (real calendar dates, a known IANA
 * zone, end not before start): those mutations pass the schema and are listed here by name.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { LeaveEventError, parseLeaveEvent } from '../../../shared/leave/leaveEvent';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const spec = parse(readFileSync(path.resolve(__dirname, '../../../docs/openapi.yaml'), 'utf8')) as Obj;

function resolve(node: Json): Json {
  let n = node;
  while (n && typeof n === 'object' && !Array.isArray(n) && typeof n.$ref === 'string') {
    n = n.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<Json>((at, key) => (at as Obj)[key] ?? null, spec);
  }
  return n;
}

const typeOf = (v: Json): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;

/** The JSON Schema keywords docs/openapi.yaml uses; anything else in a schema fails the test. */
function errors(schemaNode: Json, value: Json, at = ''): string[] {
  const schema = resolve(schemaNode) as Obj;
  const out: string[] = [];
  const known = new Set([
    'type',
    'enum',
    'const',
    'required',
    'properties',
    'additionalProperties',
    'pattern',
    'minLength',
    'maxLength',
    'if',
    'then',
    'else',
    'description',
    'format',
    'example',
    'examples',
  ]);
  for (const k of Object.keys(schema))
    if (!known.has(k)) throw new Error(`schema keyword ${k} at ${at} not checked`);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const t = typeOf(value);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) out.push(`${at}: type`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) out.push(`${at}: enum`);
  if (schema.const !== undefined && schema.const !== value) out.push(`${at}: const`);
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
      out.push(`${at}: pattern`);
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) out.push(`${at}: minLength`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) out.push(`${at}: maxLength`);
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const r of (schema.required as string[] | undefined) ?? [])
      if (!(r in value)) out.push(`${at}.${r}: required`);
    const props = (schema.properties ?? {}) as Obj;
    for (const [k, v] of Object.entries(value)) {
      if (props[k] !== undefined) out.push(...errors(props[k], v, `${at}.${k}`));
      else if (schema.additionalProperties === false) out.push(`${at}.${k}: additional`);
    }
  }
  if (schema.if !== undefined) {
    const branch = errors(schema.if, value, at).length === 0 ? schema.then : schema.else;
    if (branch !== undefined) out.push(...errors(branch, value, at));
  }
  return out;
}

function validatorAccepts(value: Json): boolean {
  try {
    parseLeaveEvent(value);
    return true;
  } catch (err) {
    if (err instanceof LeaveEventError) return false;
    throw err;
  }
}

const generic = ((spec.paths as Obj)['/hr/generic'] as Obj).post as Obj;
const body = ((generic.requestBody as Obj).content as Obj)['application/json'] as Obj;
const schema = body.schema as Json;
const examples = Object.entries(body.examples as Obj).map(
  ([name, ex]) => [name, (resolve(ex) as Obj).value as Obj] as const,
);

test('the generic endpoint publishes approved, updated and cancelled examples', () => {
  expect(examples.map(([, e]) => e.type)).toEqual(
    expect.arrayContaining(['approved', 'updated', 'cancelled']),
  );
});

test.each(examples)('example %s passes the OpenAPI schema and the webhook validator', (_name, example) => {
  expect(errors(schema, example)).toEqual([]);
  expect(validatorAccepts(example)).toBe(true);
});

function mutations(e: Obj): [string, Obj][] {
  const out: [string, Obj][] = [];
  for (const key of Object.keys(e)) {
    const rest = { ...e };
    delete rest[key];
    out.push([`without ${key}`, rest]);
  }
  const set = (k: string, v: Json): void => void out.push([`${k}=${JSON.stringify(v)}`, { ...e, [k]: v }]);
  set('type', 'deleted');
  set('eventId', 'has space');
  set('eventId', 'x'.repeat(129));
  set('leaveId', '');
  set('occurredAt', '2030-06-01');
  set('occurredAt', 42);
  set('start', '01.07.2030');
  set('end', '2030-07-12T10:00');
  set('timeZone', 'Berlin time');
  set('locale', 'english!');
  set('employee', { email: 'not-an-address', displayName: 'A' });
  set('employee', { email: 'a@contoso.com' });
  set('employee', 'alice@contoso.com');
  set('delegate', { email: 'c@contoso.com' });
  set('delegate', { name: 'C', email: 'nope' });
  set('surprise', true);
  return out;
}

/** Mutations the schema lets through that the validator refuses (JSON Schema cannot express them). */
const VALIDATOR_ONLY = new Set(['start=2030-02-30', 'timeZone=Mars/Olympus', 'end before start']);

test.each(examples)(
  'mutations of %s: the schema and the validator give the same verdict',
  (_name, example) => {
    for (const [what, mutant] of mutations(example)) {
      const schemaOk = errors(schema, mutant).length === 0;
      expect({ what, schemaOk }).toEqual({ what, schemaOk: validatorAccepts(mutant) });
    }
  },
);

test('what only the validator can check is still refused by it, and passes the schema', () => {
  const [, approved] = examples.find(([, e]) => e.type === 'approved') ?? [];
  if (!approved) throw new Error('no approved example');
  const cases: Record<string, Obj> = {
    'start=2030-02-30': { ...approved, start: '2030-02-30' },
    'timeZone=Mars/Olympus': { ...approved, timeZone: 'Mars/Olympus' },
    'end before start': { ...approved, start: '2030-07-12', end: '2030-07-01' },
  };
  expect(Object.keys(cases).sort()).toEqual([...VALIDATOR_ONLY].sort());
  for (const [what, mutant] of Object.entries(cases)) {
    expect({ what, schema: errors(schema, mutant) }).toEqual({ what, schema: [] });
    expect({ what, validator: validatorAccepts(mutant) }).toEqual({ what, validator: false });
  }
});

test.each(['/hr/generic', '/hr/hibob'])('%s documents 202, 400, 401, 413 and 415 with bodies', (route) => {
  const responses = (((spec.paths as Obj)[route] as Obj).post as Obj).responses as Obj;
  for (const code of ['202', '400', '401', '413', '415']) {
    const r = resolve(responses[code] ?? null) as Obj;
    expect({ code, hasBody: Boolean((r.content as Obj | undefined)?.['application/json']) }).toEqual({
      code,
      hasBody: true,
    });
  }
});
