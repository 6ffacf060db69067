/**
 * Validates EWS request envelopes against Microsoft's schema (test/fixtures/ews-schema) with xmllint-wasm,
 * the way ews-schema/validate.sh does: the whole envelope, then the Body payload and each SOAP header
 * element on its own, because the SOAP envelope schema checks Header/Body children laxly (a misspelt header
 * would otherwise pass).
 *
 * xmllint-wasm compiles the schema on every call (~0.4 s) but validates many documents in one call for
 * about the same price, so documents are validated in batches: `validateBatch` for tests, and `validate`,
 * which gathers concurrent callers into one batch, for the sandbox's strictSchema mode.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { memoryPages, validateXML, type XMLFileInfo } from 'xmllint-wasm';
import { parseXml, serializeStandalone, NS, XmlError } from './xml';

/** Result for one request document. */
export interface SchemaCheck {
  valid: boolean;
  /** Messages prefixed with the part that failed: envelope, body, header[N]. */
  errors: string[];
  /** Line of the first error in the envelope when known (ErrorSchemaValidation's LineNumber). */
  line?: number;
}

/** Finds test/fixtures/ews-schema by walking up from this file (works from the sources and from dist/). */
export function findSchemaDir(start = __dirname): string {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, 'test', 'fixtures', 'ews-schema');
    if (existsSync(path.join(candidate, 'messages.xsd'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`test/fixtures/ews-schema not found above ${start}`);
    dir = parent;
  }
}

// xml.xsd must come first: types.xsd uses xml:lang but imports the namespace without a schemaLocation.
const WRAPPER = `<?xml version="1.0" encoding="utf-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:local:ews-wrapper">
  <xs:import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="xml.xsd"/>
  <xs:import namespace="http://schemas.xmlsoap.org/soap/envelope/" schemaLocation="soap-envelope.xsd"/>
  <xs:import namespace="http://schemas.microsoft.com/exchange/services/2006/messages" schemaLocation="messages.xsd"/>
</xs:schema>
`;

interface Part {
  file: string;
  label: string;
  contents: string;
}

/** Splits a request into the parts to validate; a document that does not parse yields an error instead. */
function partsOf(doc: string, index: number): Part[] | string {
  let root;
  try {
    root = parseXml(doc);
  } catch (err) {
    return `not well-formed: ${(err as XmlError).message}`;
  }
  const parts: Part[] = [{ file: `r${index}-envelope.xml`, label: 'envelope', contents: doc }];
  const header = root.children.find((c) => c.ns === NS.soap && c.name === 'Header');
  const body = root.children.find((c) => c.ns === NS.soap && c.name === 'Body');
  body?.children.forEach((payload, i) =>
    parts.push({ file: `r${index}-body${i}.xml`, label: 'body', contents: serializeStandalone(payload) }),
  );
  header?.children.forEach((h, i) =>
    parts.push({
      file: `r${index}-header${i}.xml`,
      label: `header[${i}] ${h.name}`,
      contents: serializeStandalone(h),
    }),
  );
  return parts;
}

export class EwsSchemaValidator {
  private readonly preload: XMLFileInfo[];
  private queue: { doc: string; resolve: (r: SchemaCheck) => void; reject: (e: unknown) => void }[] = [];
  private running = false;

  constructor(schemaDir: string = findSchemaDir()) {
    this.preload = ['xml.xsd', 'soap-envelope.xsd', 'messages.xsd', 'types.xsd'].map((fileName) => ({
      fileName,
      contents: readFileSync(path.join(schemaDir, fileName)),
    }));
  }

  /** Validates many requests in one xmllint run. */
  async validateBatch(docs: readonly string[]): Promise<SchemaCheck[]> {
    const results: SchemaCheck[] = docs.map(() => ({ valid: true, errors: [] }));
    const files: (Part & { doc: number })[] = [];
    docs.forEach((doc, i) => {
      const parts = partsOf(doc, i);
      if (typeof parts === 'string') results[i] = { valid: false, errors: [parts] };
      else for (const p of parts) files.push({ ...p, doc: i });
    });
    if (files.length === 0) return results;
    const outcome = await validateXML({
      xml: files.map((f) => ({ fileName: f.file, contents: f.contents })),
      schema: [{ fileName: 'wrapper.xsd', contents: WRAPPER }],
      preload: this.preload,
      initialMemoryPages: memoryPages.defaultInitialMemoryPages * 4,
      maxMemoryPages: memoryPages.GiB,
    });
    const byFile = new Map(files.map((f) => [f.file, f]));
    for (const error of outcome.errors) {
      const file = error.loc ? byFile.get(error.loc.fileName) : undefined;
      const targets = file ? [file] : files; // an error without a location (schema trouble) fails everything
      for (const f of targets) {
        const r = results[f.doc] as SchemaCheck;
        r.valid = false;
        r.errors.push(`${f.label}: ${error.message.trim()}`);
        if (f.label === 'envelope' && r.line === undefined && error.loc) r.line = error.loc.lineNumber;
      }
    }
    // xmllint also says "<file> fails to validate" for failures it reports without a message.
    for (const f of files) {
      if (outcome.rawOutput.includes(`${f.file} fails to validate`)) {
        const r = results[f.doc] as SchemaCheck;
        if (r.valid) {
          r.valid = false;
          r.errors.push(`${f.label}: fails to validate`);
        }
      }
    }
    return results;
  }

  /** Validates one request, batched with whatever other requests arrive meanwhile. */
  validate(doc: string): Promise<SchemaCheck> {
    return new Promise((resolve, reject) => {
      this.queue.push({ doc, resolve, reject });
      setImmediate(() => this.pump());
    });
  }

  private pump(): void {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch = this.queue;
    this.queue = [];
    this.validateBatch(batch.map((b) => b.doc))
      .then((results) => batch.forEach((b, i) => b.resolve(results[i] as SchemaCheck)))
      .catch((err: unknown) => batch.forEach((b) => b.reject(err)))
      .finally(() => {
        this.running = false;
        this.pump();
      });
  }
}
