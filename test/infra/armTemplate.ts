/**
 * Reads the ARM JSON that `bicep build` makes of infra/main.bicep, and flattens it: every resource
 * with the module (nested deployment) it sits in, so tests can follow a value from a module
 * parameter back to main.bicep.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const repoRoot = path.resolve(__dirname, '..', '..');
export const compiledTemplatePath = path.join(repoRoot, 'dist', 'infra', 'main.json');

/**
 * Compiles infra/main.bicep with the same script as `npm run infra:build` (restoring the Bicep CLI
 * from NuGet on a fresh clone) and returns the ARM template. Always rebuilds: a stale
 * dist/infra/main.json must not pass for the current Bicep.
 */
export function buildTemplate(): JsonObject {
  execFileSync('bash', [path.join(repoRoot, 'infra', 'build.sh'), '--skip-lint'], {
    cwd: repoRoot,
    stdio: 'pipe',
    timeout: 280_000,
  });
  return readJsonObject(compiledTemplatePath);
}

export function readJsonObject(file: string): JsonObject {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Json;
  return asObject(parsed, file);
}

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON value as text: strings as they are, anything else as JSON. */
export function text(value: Json | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function asObject(value: Json | undefined, what: string): JsonObject {
  if (!isObject(value)) throw new Error(`${what} is not a JSON object`);
  return value;
}

/** One resource and where it is: the module's name ('' for main) and that module's template. */
export interface LocatedResource {
  resource: JsonObject;
  type: string;
  module: string;
  /** The module's own template (variables, parameters); main's template for top-level resources. */
  template: JsonObject;
  /** Parameter values main passes to the module (empty for top-level resources). */
  moduleParams: JsonObject;
}

function resourcesOf(template: JsonObject): JsonObject[] {
  const resources = template.resources;
  // languageVersion 2.0 templates keep resources in an object keyed by symbolic name.
  const list = Array.isArray(resources) ? resources : isObject(resources) ? Object.values(resources) : [];
  return list.filter(isObject);
}

/** Every resource in the template and its nested deployments, depth first. */
export function flatten(template: JsonObject, module = '', moduleParams: JsonObject = {}): LocatedResource[] {
  const out: LocatedResource[] = [];
  for (const resource of resourcesOf(template)) {
    const type = text(resource.type);
    if (resource.existing === true) continue;
    out.push({ resource, type, module, template, moduleParams });
    if (type === 'Microsoft.Resources/deployments') {
      const properties = asObject(resource.properties, `deployment ${text(resource.name)}`);
      const nested = asObject(properties.template, `template of ${text(resource.name)}`);
      const params: JsonObject = {};
      const given = isObject(properties.parameters) ? properties.parameters : {};
      for (const [name, entry] of Object.entries(given)) {
        if (isObject(entry) && 'value' in entry) params[name] = entry.value ?? null;
      }
      out.push(...flatten(nested, text(resource.name), params));
    }
  }
  return out;
}

export function ofType(resources: LocatedResource[], type: string): LocatedResource[] {
  return resources.filter((r) => r.type.toLowerCase() === type.toLowerCase());
}

export function propertiesOf(located: LocatedResource): JsonObject {
  return isObject(located.resource.properties) ? located.resource.properties : {};
}

const PARAMETER_REF = /^\[parameters\('([^']+)'\)\]$/;

/**
 * Follows `[parameters('x')]` from a module to the value main passes, and from main to the
 * parameter's default. Anything else (a literal, or another expression) is returned as is.
 */
export function resolve(
  located: LocatedResource,
  value: Json | undefined,
  main: JsonObject,
): Json | undefined {
  if (typeof value !== 'string') return value;
  const match = PARAMETER_REF.exec(value);
  if (!match?.[1]) return value;
  const name = match[1];
  if (located.module !== '' && name in located.moduleParams) {
    const passed = located.moduleParams[name];
    return resolve({ ...located, module: '', template: main, moduleParams: {} }, passed, main);
  }
  const declared = isObject(located.template.parameters) ? located.template.parameters[name] : undefined;
  if (isObject(declared) && 'defaultValue' in declared) return declared.defaultValue;
  return value;
}

/** Replaces `variables('x')` in an expression by the string value of that variable in `template`. */
export function inlineVariables(expression: string, template: JsonObject): string {
  const variables = isObject(template.variables) ? template.variables : {};
  return expression.replace(/variables\('([^']+)'\)/g, (whole, name: string) => {
    const value = variables[name];
    return typeof value === 'string' ? `'${value}'` : whole;
  });
}
