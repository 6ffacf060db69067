/**
 * Namespace-aware XML reading for the sandbox. fast-xml-parser keeps prefixes as written; EWS clients
 * choose their own (`m:`, `mes:`, `ns1:`, default namespaces...), so every element is resolved to
 * (namespace URI, local name) here and nothing downstream ever looks at a prefix.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  messages: 'http://schemas.microsoft.com/exchange/services/2006/messages',
  types: 'http://schemas.microsoft.com/exchange/services/2006/types',
  errors: 'http://schemas.microsoft.com/exchange/services/2006/errors',
  xml: 'http://www.w3.org/XML/1998/namespace',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

/** An element with its namespace resolved. Attributes without a namespace are keyed by name, others by `{uri}local`. */
export interface XmlElement {
  ns: string;
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element (entities decoded, CDATA kept verbatim). */
  text: string;
}

/** The document is not well-formed XML, or uses something we refuse (DOCTYPE, undefined entities). */
export class XmlError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'XmlError';
  }
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Entities are decoded below: fast-xml-parser leaves numeric references alone and would accept HTML names.
  processEntities: false,
  cdataPropName: '#cdata',
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);|&/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(ENTITY, (whole, ref: string | undefined) => {
    if (ref === undefined) throw new XmlError(`undefined entity or stray '&' near "${raw.slice(0, 40)}"`);
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!Number.isFinite(code) || code === 0 || code > 0x10ffff)
        throw new XmlError(`invalid character reference ${whole}`);
      return String.fromCodePoint(code);
    }
    return NAMED[ref] ?? whole;
  });
}

type RawNode = Record<string, unknown>;

function splitName(qname: string): [prefix: string, local: string] {
  const i = qname.indexOf(':');
  return i < 0 ? ['', qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

function convert(node: RawNode, tag: string, scope: ReadonlyMap<string, string>): XmlElement {
  const rawAttrs = (node[':@'] ?? {}) as Record<string, string>;
  let nsScope = scope;
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) {
      if (nsScope === scope) nsScope = new Map(scope);
      (nsScope as Map<string, string>).set(key === 'xmlns' ? '' : key.slice(6), decodeEntities(value));
    }
  }
  const [prefix, local] = splitName(tag);
  const ns = nsScope.get(prefix);
  if (ns === undefined) throw new XmlError(`namespace prefix "${prefix}" of <${tag}> is not declared`);
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) continue;
    const [aPrefix, aLocal] = splitName(key);
    if (aPrefix === '') {
      attrs[aLocal] = decodeEntities(value);
    } else {
      const aNs = aPrefix === 'xml' ? NS.xml : nsScope.get(aPrefix);
      if (aNs === undefined)
        throw new XmlError(`namespace prefix "${aPrefix}" of attribute ${key} is not declared`);
      attrs[`{${aNs}}${aLocal}`] = decodeEntities(value);
    }
  }
  const children: XmlElement[] = [];
  let text = '';
  const content = node[tag];
  if (Array.isArray(content)) {
    for (const child of content as RawNode[]) {
      if ('#text' in child) {
        // parseTagValue is off, so text is always a string.
        text += decodeEntities(typeof child['#text'] === 'string' ? child['#text'] : '');
      } else if ('#cdata' in child) {
        const parts = child['#cdata'] as RawNode[];
        for (const p of parts) text += typeof p['#text'] === 'string' ? p['#text'] : '';
      } else {
        const childTag = Object.keys(child).find((k) => k !== ':@');
        if (childTag !== undefined) children.push(convert(child, childTag, nsScope));
      }
    }
  }
  return { ns, name: local, attrs, children, text };
}

const DEFAULT_SCOPE: ReadonlyMap<string, string> = new Map([
  ['', ''],
  ['xml', NS.xml],
]);

/**
 * Parses a document into a namespace-resolved tree. Refuses a DOCTYPE outright (no entity expansion,
 * no external references), undefined entities and anything not well-formed.
 */
export function parseXml(text: string): XmlElement {
  if (/<!DOCTYPE/i.test(text)) {
    throw new XmlError('For security reasons DTD is prohibited in this XML document.');
  }
  if (/<!ENTITY/i.test(text)) throw new XmlError('Entity declarations are not allowed.');
  const check = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (check !== true) throw new XmlError(check.err.msg, check.err.line, check.err.col);
  const nodes = parser.parse(text) as RawNode[];
  const roots = nodes.filter((n) => !('#text' in n));
  if (roots.length !== 1) throw new XmlError('the document must have exactly one root element');
  const root = roots[0] as RawNode;
  const tag = Object.keys(root).find((k) => k !== ':@');
  if (tag === undefined) throw new XmlError('no root element');
  return convert(root, tag, DEFAULT_SCOPE);
}

/** First child with that namespace and local name. */
export function child(el: XmlElement, ns: string, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name && c.ns === ns);
}

export function childrenNamed(el: XmlElement, ns: string, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name && c.ns === ns);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Escapes text and attribute values; `]]>` cannot survive because `>` is escaped too. */
export function escapeXml(value: string): string {
  return /[&<>"']/.test(value) ? value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c) : value;
}

/**
 * Writes an element as a standalone document, declaring every namespace it uses on its root. Used to
 * validate a SOAP header or the body payload on its own against the EWS schema.
 */
export function serializeStandalone(el: XmlElement): string {
  const prefixes = new Map<string, string>();
  const prefixFor = (ns: string): string => {
    if (ns === NS.xml) return 'xml';
    let p = prefixes.get(ns);
    if (p === undefined) {
      p = `n${prefixes.size}`;
      prefixes.set(ns, p);
    }
    return p;
  };
  const write = (e: XmlElement): string => {
    const tag = e.ns === '' ? e.name : `${prefixFor(e.ns)}:${e.name}`;
    let attrs = '';
    for (const [key, value] of Object.entries(e.attrs)) {
      const m = /^\{([^}]*)\}(.*)$/.exec(key);
      const name = m ? `${prefixFor(m[1] ?? '')}:${m[2] ?? ''}` : key;
      attrs += ` ${name}="${escapeXml(value)}"`;
    }
    const inner = e.children.length > 0 ? e.children.map(write).join('') : escapeXml(e.text);
    return inner === '' ? `<${tag}${attrs}/>` : `<${tag}${attrs}>${inner}</${tag}>`;
  };
  const body = write(el);
  const decls = [...prefixes].map(([ns, p]) => ` xmlns:${p}="${escapeXml(ns)}"`).join('');
  const firstSpace = body.search(/[\s/>]/);
  return `<?xml version="1.0" encoding="utf-8"?>\n${body.slice(0, firstSpace)}${decls}${body.slice(firstSpace)}`;
}
