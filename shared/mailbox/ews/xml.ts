import { XMLParser, type X2jOptions } from 'fast-xml-parser';

/** Escapes text for an XML element or attribute value. OOF replies are HTML, so every value goes through here. */
export function escapeXml(text: string): string {
  // Fast path: most values (addresses, ids) need nothing.
  // eslint-disable-next-line no-control-regex
  if (!/[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text)) return text;
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // Control characters are not allowed in XML 1.0 at all, not even as references: drop them
      // rather than send a document Exchange would reject as a schema error.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
  );
}

/** Elements that may repeat in EWS responses: always parsed as arrays so a single one is no special case. */
const ALWAYS_ARRAY = new Set([
  'Value',
  'Message',
  'Contact',
  'Mailbox',
  'Resolution',
  'ItemId',
  'Folder',
  'CalendarItem',
  'Item',
  'MeetingRequest',
  'MeetingResponse',
  'MeetingCancellation',
  'PostItem',
  'Task',
]);

/**
 * Elements whose content the parser keeps as written instead of parsing it: the OOF reply texts. They
 * hold (escaped) HTML, often kilobytes of it, and fast-xml-parser builds text one character at a time:
 * a fifth of a GetUserOofSettings answer's parse time with a 130-character reply, more with longer ones.
 * Read them with verbatimText().
 */
const VERBATIM_ELEMENTS = ['*.InternalReply.Message', '*.ExternalReply.Message'];

const OPTIONS = {
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  // Ids, change keys and reply text must come back exactly as sent: no number or boolean guessing.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Entities are decoded by text() and attr() below, in one pass and only for the values we read: the
  // parser's own decoding runs several regular expressions over every value and dominated parse time.
  processEntities: false,
  htmlEntities: false,
  // Response messages are named after their operation (FindItemResponseMessage, ...).
  isArray: (name) => ALWAYS_ARRAY.has(name) || name.endsWith('ResponseMessage'),
  ignoreDeclaration: true,
  // fast-xml-parser otherwise builds a new entity decoder (entity tables, limits) for every document:
  // ~5 KB of garbage and 1–2 µs per EWS answer. It is never asked to decode (processEntities is off, and
  // a DOCTYPE is refused before parsing), so one shared decoder that decodes the way text() does serves.
  entityDecoder: {
    decode: decodeEntities,
    reset: () => undefined,
    setXmlVersion: () => undefined,
    setExternalEntities: () => undefined,
    addInputEntities: () => undefined,
  },
  // No path strings built for every element (only the callbacks would see them): ~30 % less parse time
  // on a 250-item FindItem page.
  jPath: false,
  stopNodes: VERBATIM_ELEMENTS,
} satisfies X2jOptions;

/** Reads a response's SOAP Body (see soapBodyText): the usual path. */
const bodyParser = new XMLParser(OPTIONS);

/**
 * The same without attributes, for successful answers whose reader reads none (see parseXml): a fifth
 * of fast-xml-parser's time on a GetUserOofSettings answer goes to its seven attributes, namespace
 * declarations and xml:lang that nothing reads.
 */
const bodyParserWithoutAttributes = new XMLParser({ ...OPTIONS, ignoreAttributes: true });

/** Reads a whole document, for answers of another shape; nothing is read from a SOAP header, so its
 * structure (ServerVersionInfo and its namespace declarations) is skipped. */
const documentParser = new XMLParser({ ...OPTIONS, stopNodes: [...VERBATIM_ELEMENTS, 'Envelope.Header'] });

/** A parsed XML node: element children by local name, attributes as `@_Name`, text as `#text`. */
export type XmlNode = { [key: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[] | undefined;

export class XmlRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlRefusedError';
  }
}

const DOCTYPE = /<!DOCTYPE/i;

export interface ParseOptions {
  /**
   * Whether the caller reads attributes from a successful answer (FindItem's item ids do). When not,
   * an answer that can only be a success (plainSuccess) is parsed without attributes. Default true.
   */
  attributesOnSuccess?: boolean;
}

/**
 * Parses a SOAP response. A DOCTYPE is refused outright: EWS never sends one, and honouring it would
 * open the door to entity expansion attacks from anything sitting between us and Exchange.
 */
export function parseXml(xml: string, { attributesOnSuccess = true }: ParseOptions = {}): XmlNode {
  if (DOCTYPE.test(xml)) throw new XmlRefusedError('response contains a DOCTYPE declaration; refused');
  const body = soapBodyText(xml);
  if (body === undefined) return parseWholeDocument(xml);
  const parser = attributesOnSuccess || !plainSuccess(body) ? bodyParser : bodyParserWithoutAttributes;
  // Same tree either way: { Envelope: { Body: ... } } (nothing ever reads the Header).
  return { Envelope: parser.parse(body) as XmlNode };
}

const SUCCESS_CLASS = 'ResponseClass="Success"';

/**
 * True when a response Body can only be a success: no SOAP fault, at least one ResponseClass, and
 * every ResponseClass written exactly `ResponseClass="Success"`. Errors and warnings need their
 * attributes (ResponseClass tells them apart; MessageXml names its values, BackOffMilliseconds among
 * them, by attribute), and so does anything written otherwise (other quotes, spaces around `=`): those
 * are read whole. A reply text that merely mentions these words only costs the faster path.
 */
export function plainSuccess(body: string): boolean {
  if (body.includes('Fault')) return false;
  let classes = 0;
  for (let at = body.indexOf('ResponseClass'); at >= 0; at = body.indexOf('ResponseClass', at + 1)) {
    if (!body.startsWith(SUCCESS_CLASS, at)) return false;
    classes++;
  }
  return classes > 0;
}

/**
 * The one element named `localName` (any prefix) of a plain-success answer, parsed alone and without
 * attributes: the narrow parse of the hot path's answer shapes (GetUserOofSettings' OofSettings, whose
 * reader needs nothing else once the answer is known to be a success). On a GetUserOofSettings answer it
 * skips a third of the elements (the Body, the response and its ResponseMessage, AllowExternalOof) and
 * the parser's work for them. The element is parsed by the same parser as the whole Body, so its tree is
 * the one the whole parse has at that place.
 *
 * undefined when the answer may be anything else, and the caller then parses it whole (parseXml), which
 * reads or refuses it as before: a DOCTYPE (which parseXml refuses), no SOAP Body, not a plain success
 * (errors and warnings need their attributes), `<!` or `<?` in the Body (a comment, CDATA section or
 * processing instruction, whose text could hold what looks like a tag), not exactly one such element, or
 * an element the parser cannot read. Without those, `<` in the Body can only start markup: XML allows it
 * nowhere else (text and attribute values escape it).
 */
export function parseSuccessElement(xml: string, localName: string): XmlNode | undefined {
  if (DOCTYPE.test(xml)) return undefined;
  const body = soapBodyText(xml);
  if (body === undefined || body.includes('<!') || body.includes('<?') || !plainSuccess(body))
    return undefined;
  let start = -1;
  let nameEnd = -1;
  for (let at = body.indexOf(localName); at >= 0; at = body.indexOf(localName, at + localName.length)) {
    const tagStart = startTagAt(body, at, localName.length);
    if (tagStart < 0) continue;
    if (start >= 0) return undefined; // a second one: not the shape this path reads
    start = tagStart;
    nameEnd = at + localName.length;
  }
  if (start < 0) return undefined;
  const openEnd = startTagEnd(body, nameEnd);
  if (openEnd < 0) return undefined;
  let end = openEnd + 1;
  if (body.charCodeAt(openEnd - 1) !== 0x2f /* / */) {
    const closeTag = `</${body.slice(start + 1, nameEnd)}`;
    const close = body.indexOf(closeTag, openEnd);
    // `</name>`, or `</name  >`: XML allows white space before an end tag's `>`.
    end = close < 0 ? -1 : body.indexOf('>', close) + 1;
    if (end <= 0 || body.slice(close + closeTag.length, end - 1).trim() !== '') return undefined;
  }
  try {
    return child(bodyParserWithoutAttributes.parse(body.slice(start, end)) as XmlNode, localName);
  } catch {
    return undefined;
  }
}

/**
 * Where the start tag whose local name is body[at, at + length) begins (its `<`), or -1 when that text is
 * not a start tag's name: preceded by `<` or by `<prefix:`, followed by white space, `>` or `/`.
 */
function startTagAt(body: string, at: number, length: number): number {
  const after = body.charCodeAt(at + length);
  if (
    after !== 0x20 &&
    after !== 0x09 &&
    after !== 0x0d &&
    after !== 0x0a &&
    after !== 0x3e &&
    after !== 0x2f
  )
    return -1;
  const before = body.charCodeAt(at - 1);
  if (before === 0x3c /* < */) return at - 1;
  if (before !== 0x3a /* : */) return -1;
  const lt = body.lastIndexOf('<', at - 2);
  // The prefix: a name, so no white space, quote, `/` or `=` (an end tag `</p:Name>` is not a start tag).
  return lt >= 0 && /^[A-Za-z_][\w.-]*$/.test(body.slice(lt + 1, at - 1)) ? lt : -1;
}

/** The `>` that ends the start tag whose name ends at `from`: the first outside a quoted attribute value. */
function startTagEnd(body: string, from: number): number {
  let quote = 0;
  for (let i = from; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x3e) return i;
  }
  return -1;
}

/** The whole document through the parser, header included (the fallback; and what tests compare with). */
export function parseWholeDocument(xml: string): XmlNode {
  return documentParser.parse(xml) as XmlNode;
}

// The XML declaration and comments may come first; anything else and the document is parsed whole.
// (A comment's body cannot contain `-->`, written so that the expression never backtracks.)
const ENVELOPE_START =
  /^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--(?:[^-]|-(?!->))*-->\s*)*<([A-Za-z_][\w.-]*:)?Envelope[\s>]/;

/**
 * The SOAP Body element of a response, cut out as text: from `<p:Body` after the Header (p being the
 * Envelope's own prefix) to the last `</p:Body>`. Everything we read is inside it, and parsing only it
 * skips the envelope and the header's ServerVersionInfo with its four namespace declarations: a fifth
 * less CPU and garbage per call on typical answers (bench/README.md). undefined when the document does
 * not start with an Envelope or has no closing Body tag (a self-closing Body, say): it is then parsed
 * whole.
 */
export function soapBodyText(xml: string): string | undefined {
  const envelope = ENVELOPE_START.exec(xml);
  if (!envelope) return undefined;
  const prefix = envelope[1] ?? '';
  const headerEnd = xml.indexOf(`</${prefix}Header>`);
  const open = `<${prefix}Body`;
  const start = xml.indexOf(open, headerEnd < 0 ? envelope[0].length - 1 : headerEnd);
  const close = `</${prefix}Body>`;
  const end = xml.lastIndexOf(close);
  if (start < 0 || end < start) return undefined;
  const after = xml.charCodeAt(start + open.length);
  // `<s:BodyPart` is not the Body: the name must end there (space, tab, CR, LF or '>').
  if (after !== 0x20 && after !== 0x09 && after !== 0x0d && after !== 0x0a && after !== 0x3e)
    return undefined;
  return xml.slice(start, end + close.length);
}

export function child(node: XmlValue, name: string): XmlNode | undefined {
  if (node === undefined || typeof node === 'string' || Array.isArray(node)) return undefined;
  const value = node[name];
  if (Array.isArray(value)) return asNode(value[0]);
  return asNode(value);
}

export function children(node: XmlValue, name: string): XmlNode[] {
  if (node === undefined || typeof node === 'string' || Array.isArray(node)) return [];
  const value = node[name];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => (typeof v === 'string' ? { '#text': v } : (asNode(v) ?? {})));
}

function asNode(value: XmlValue): XmlNode | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return { '#text': value };
  if (Array.isArray(value)) return asNode(value[0]);
  return value;
}

/** Text content of an element (or of its named child), undefined when absent. */
export function text(node: XmlValue, name?: string): string | undefined {
  const target: XmlValue =
    name === undefined
      ? node
      : node && typeof node === 'object' && !Array.isArray(node)
        ? node[name]
        : undefined;
  if (target === undefined) return undefined;
  if (typeof target === 'string') return decodeEntities(target);
  if (Array.isArray(target)) return text(target[0]);
  const t = target['#text'];
  return typeof t === 'string' ? decodeEntities(t) : '';
}

/**
 * Text of an element kept as written (VERBATIM_ELEMENTS): entities decoded, CDATA sections as they are.
 * Markup other than CDATA has no place there (the schema says string) and is refused.
 */
export function verbatimText(node: XmlValue, name: string): string | undefined {
  const value = node && typeof node === 'object' && !Array.isArray(node) ? node[name] : undefined;
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') return text(raw);
  if (!raw.includes('<')) return decodeEntities(raw);
  let result = '';
  let at = 0;
  for (let start = raw.indexOf('<![CDATA[', at); start >= 0; start = raw.indexOf('<![CDATA[', at)) {
    const end = raw.indexOf(']]>', start + 9);
    if (end < 0) break; // an unterminated section is refused below, as markup
    result += checkedText(raw.slice(at, start), name) + raw.slice(start + 9, end);
    at = end + 3;
  }
  return result + checkedText(raw.slice(at), name);
}

function checkedText(raw: string, name: string): string {
  if (raw.includes('<'))
    throw new XmlRefusedError(`unexpected markup inside <${name}>, which holds text only`);
  return decodeEntities(raw);
}

export function attr(node: XmlNode | undefined, name: string): string | undefined {
  const value = node?.[`@_${name}`];
  return typeof value === 'string' ? decodeEntities(value) : undefined;
}

/**
 * Decodes XML's five predefined entities and numeric character references (&#233; &#x1F600;). Nothing
 * else exists without a DOCTYPE, which parseXml refuses. One pass, so `&amp;lt;` stays `&lt;`.
 *
 * Written as a scan into one buffer, reading references in place, rather than `replace()` with a
 * callback: that builds a match array and string pieces per reference, and a text made of references
 * cost ~40 times its size in memory. Here the cost is the buffer (decoded text is never longer than the
 * encoded one) and the result.
 */
export function decodeEntities(value: string): string {
  let amp = value.indexOf('&');
  if (amp < 0) return value;
  const out = new Uint16Array(value.length);
  let length = 0;
  let copied = 0;
  for (; amp >= 0; amp = value.indexOf('&', amp + 1)) {
    const end = value.indexOf(';', amp + 1);
    // The longest reference we know, `&#x10FFFF;` or `&#1114111;`, is 10 characters.
    const code = end > amp && end - amp <= 9 ? referenceValue(value, amp + 1, end) : undefined;
    if (code === undefined) continue;
    for (let i = copied; i < amp; i++) out[length++] = value.charCodeAt(i);
    if (code > 0xffff) {
      out[length++] = 0xd800 + ((code - 0x10000) >> 10);
      out[length++] = 0xdc00 + ((code - 0x10000) & 0x3ff);
    } else out[length++] = code;
    copied = end + 1;
    amp = end;
  }
  for (let i = copied; i < value.length; i++) out[length++] = value.charCodeAt(i);
  return Buffer.from(out.buffer, 0, length * 2).toString('utf16le');
}

const PREDEFINED_CODES: Readonly<Record<string, number>> = { lt: 60, gt: 62, amp: 38, quot: 34, apos: 39 };

/** The code point of the reference named by value[start, end) (`amp`, `#233`, `#xE9`); undefined when none. */
function referenceValue(value: string, start: number, end: number): number | undefined {
  if (value.charCodeAt(start) !== 0x23 /* # */) return PREDEFINED_CODES[value.slice(start, end)];
  const hex = value.charCodeAt(start + 1) === 0x78; /* x */
  const first = start + (hex ? 2 : 1);
  if (first >= end) return undefined;
  let code = 0;
  for (let i = first; i < end; i++) {
    const digit = digitValue(value.charCodeAt(i), hex);
    if (digit === undefined) return undefined;
    code = code * (hex ? 16 : 10) + digit;
  }
  return code <= 0x10ffff ? code : undefined;
}

function digitValue(char: number, hex: boolean): number | undefined {
  if (char >= 0x30 && char <= 0x39) return char - 0x30;
  if (!hex) return undefined;
  const lower = char | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : undefined;
}
