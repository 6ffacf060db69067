/**
 * The stand-ins under dev/ (EWS sandbox, Graph, Key Vault, identity, HiBob, Azurite, the loopback
 * listener, the seeds) are witnesses against the app: each is written from the service's documentation,
 * so a test that passes against them shows the app does what the real service accepts. A stand-in that
 * borrowed the app's code (its signer, its time zones, its error codes) would agree with the app's bugs.
 * This is where that rule is enforced: no module of a stand-in may import the app's production code
 * (shared/, functions/, cli/) except `import type`, which leaves nothing in the compiled JavaScript.
 *
 * Not stand-ins, and so not held to the rule: dev/host/** (the dev host: it loads and runs the app's
 * function modules, like the Functions host does) and dev/start.ts (`npm start`: it wires the app to the
 * stand-ins).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const REPO = path.resolve(__dirname, '../../..');
const DEV = path.join(REPO, 'dev');
const APP_FOLDERS = ['shared', 'functions', 'cli'].map((f) => path.join(REPO, f) + path.sep);
const NOT_STAND_INS = [path.join(DEV, 'host') + path.sep, path.join(DEV, 'start.ts')];

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Whether an import/export declaration brings in values (not only types). */
function bringsValues(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return false;
    const clause = node.exportClause;
    return !(clause && ts.isNamedExports(clause) && clause.elements.every((e) => e.isTypeOnly));
  }
  const clause = node.importClause;
  if (!clause) return true; // `import 'x'`: runs the module
  if (clause.isTypeOnly) return false;
  if (clause.name) return true;
  const bindings = clause.namedBindings;
  if (!bindings || ts.isNamespaceImport(bindings)) return true;
  return bindings.elements.length === 0 || !bindings.elements.every((e) => e.isTypeOnly);
}

/** Every place `source` (the text of `file`) loads a value from the app's production code, as "file:line specifier". */
function appValueImports(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const check = (specifier: ts.Expression | undefined, node: ts.Node, values: boolean): void => {
    if (!values || !specifier || !ts.isStringLiteralLike(specifier)) return;
    if (!specifier.text.startsWith('.')) return;
    const target = path.resolve(path.dirname(file), specifier.text);
    if (!APP_FOLDERS.some((folder) => (target + path.sep).startsWith(folder))) return;
    const line = sf.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    found.push(`${path.relative(REPO, file)}:${line} ${specifier.text}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      check(node.moduleSpecifier, node, bringsValues(node));
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      check(node.moduleReference.expression, node, !node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      check(node.arguments[0], node, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe('the dev stand-ins are independent of the app they test', () => {
  const standIns = typeScriptFiles(DEV).filter((f) => !NOT_STAND_INS.some((n) => f.startsWith(n)));

  it('covers every stand-in folder', () => {
    const folders = new Set(standIns.map((f) => path.relative(DEV, f).split(path.sep)[0]));
    for (const folder of ['ews-sandbox', 'graph', 'hibob', 'identity', 'key-vault', 'loopback']) {
      expect(folders).toContain(folder);
    }
    expect(standIns.some((f) => f.startsWith(path.join(DEV, 'host')))).toBe(false);
  });

  it('no stand-in module loads a value from shared/, functions/ or cli/', () => {
    const offending = standIns.flatMap((f) => appValueImports(f, readFileSync(f, 'utf8')));
    expect(offending).toEqual([]);
  });

  describe('the check itself', () => {
    const file = path.join(DEV, 'hibob', 'example.ts');
    it.each([
      ["import { signHibob } from '../../shared/hr/signature';", 'a named value'],
      ["import * as signature from '../../shared/hr/signature';", 'a namespace'],
      ["import settings from '../../shared/config';", 'a default'],
      ["import '../../functions/hrWebhook';", 'a module run for its effects'],
      ["export { signHibob } from '../../shared/hr/signature';", 'a re-export'],
      ["const s = require('../../shared/hr/signature');", 'a require'],
      ["void import('../../cli/main');", 'a dynamic import'],
      [
        "import { type SignatureCheck, signHibob } from '../../shared/hr/signature';",
        'a value beside a type',
      ],
    ])('refuses %s (%s)', (source) => {
      expect(appValueImports(file, source)).toHaveLength(1);
    });
    it.each([
      ["import type { SignatureCheck } from '../../shared/hr/signature';"],
      ["import { type SignatureCheck } from '../../shared/hr/signature';"],
      ["export type { SignatureCheck } from '../../shared/hr/signature';"],
      ["import { listenOnLoopback } from '../loopback/listenOnLoopback';"],
      ["import { createHmac } from 'node:crypto';"],
      ["import { sharedThing } from './shared';"],
    ])('allows %s', (source) => {
      expect(appValueImports(file, source)).toEqual([]);
    });
  });
});
