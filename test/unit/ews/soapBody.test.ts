import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOofSettings } from '../../../shared/mailbox/ews/soapResponses';
import { parseWholeDocument, parseXml, soapBodyText, XmlRefusedError } from '../../../shared/mailbox/ews/xml';
import { DeadlineExceededError, finishesWithin } from '../../support/hangGuard';

const oofAnswer = (internal: string, external = 'x'): string =>
  `<s:Envelope xmlns:s="x"><s:Body>${OOF_BODY.replace('<Message>Back &amp; soon</Message>', `<Message>${internal}</Message>`).replace('<Message>x</Message>', `<Message>${external}</Message>`)}</s:Body></s:Envelope>`;

const SAMPLES = join(__dirname, '../../fixtures/ews-samples');
const envelopes = readdirSync(SAMPLES).filter((f) => f.endsWith('.xml') && !f.startsWith('fragment.'));
const ctx = { httpStatus: 200, mailbox: 'alice@contoso.com', requestId: 'r-1' };

const OOF_BODY =
  '<GetUserOofSettingsResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">' +
  '<ResponseMessage ResponseClass="Success"><ResponseCode>NoError</ResponseCode></ResponseMessage>' +
  '<OofSettings xmlns="http://schemas.microsoft.com/exchange/services/2006/types"><OofState>Enabled</OofState>' +
  '<ExternalAudience>Known</ExternalAudience><InternalReply><Message>Back &amp; soon</Message></InternalReply>' +
  '<ExternalReply><Message>x</Message></ExternalReply></OofSettings></GetUserOofSettingsResponse>';

describe('responses are read from their SOAP Body alone', () => {
  it.each(envelopes)('%s: the same tree as parsing the whole document', (name) => {
    const xml = readFileSync(join(SAMPLES, name), 'utf8');
    expect(soapBodyText(xml)).toBeDefined();
    const whole = parseWholeDocument(xml) as { Envelope: { Body: unknown } };
    expect(parseXml(xml)).toEqual({ Envelope: { Body: whole.Envelope.Body } });
  });

  it('whatever prefix the Envelope uses, and with none (default namespace)', () => {
    const soap = 'xmlns="http://schemas.xmlsoap.org/soap/envelope/"';
    for (const [open, close] of [
      [
        `<soap:Envelope xmlns:soap="x"><soap:Header><a/></soap:Header><soap:Body>`,
        `</soap:Body></soap:Envelope>`,
      ],
      [`<Envelope ${soap}><Header/><Body>`, `</Body></Envelope>`],
      [`<s:Envelope xmlns:s="x">\n<s:Body\n  xmlns:xsi="y">`, `</s:Body>\n</s:Envelope>\n`],
    ]) {
      const xml = `${open}${OOF_BODY}${close}`;
      expect(soapBodyText(xml)).toMatch(/^<(\w+:)?Body[\s>][\s\S]*<\/(\w+:)?Body>$/);
      expect(readOofSettings(parseXml(xml), ctx)).toMatchObject({
        state: 'Enabled',
        externalAudience: 'Known',
        internalReply: 'Back & soon',
      });
    }
  });

  it('a header that mentions Body (an element named BodyPart, text) does not mislead the cut', () => {
    const xml =
      `<s:Envelope xmlns:s="x"><s:Header><s:BodyPart>&lt;s:Body&gt;</s:BodyPart></s:Header>` +
      `<s:Body>${OOF_BODY}</s:Body></s:Envelope>`;
    expect(soapBodyText(xml)?.startsWith('<s:Body>')).toBe(true);
    expect(readOofSettings(parseXml(xml), ctx).state).toBe('Enabled');
  });

  it('an element whose name only starts with Body is not taken for the Body', () => {
    // No header: the search for `<s:Body` starts at the envelope and meets `<s:BodyPart` first.
    const xml = `<s:Envelope xmlns:s="x"><s:BodyPart>a</s:BodyPart><s:Body>${OOF_BODY}</s:Body></s:Envelope>`;
    expect(soapBodyText(xml)).toBeUndefined();
    expect(readOofSettings(parseXml(xml), ctx).state).toBe('Enabled');
  });

  it('documents of another shape are parsed whole', () => {
    const cases: [string, unknown][] = [
      ['<s:Envelope xmlns:s="x"><s:Header/><s:Body/></s:Envelope>', { Envelope: { Header: '', Body: '' } }],
      ['<Answer><Body>1</Body></Answer>', { Answer: { Body: '1' } }],
      ['<s:Envelope xmlns:s="x"><s:BodyPart>2</s:BodyPart></s:Envelope>', { Envelope: { BodyPart: '2' } }],
    ];
    for (const [xml, tree] of cases) {
      expect(soapBodyText(xml)).toBeUndefined();
      expect(parseXml(xml)).toEqual(tree);
    }
  });

  it('a DOCTYPE is refused before anything is cut out', () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><s:Envelope xmlns:s="x"><s:Body>${OOF_BODY}</s:Body></s:Envelope>`;
    expect(() => parseXml(xml)).toThrow(XmlRefusedError);
  });

  describe('under a deadline, so a backtracking regression fails instead of hanging', () => {
    // A hang guard, not a speed assertion. The linear expression reads these 50 KB in under a millisecond;
    // a backtracking one would not finish at all, and as synchronous code it would block the event loop
    // that jest's timeout runs on, hanging the run instead of failing it. Hence a deadline that stops it:
    // 5 s is thousands of times the normal run time, so a slow or busy machine never trips it.
    const HANG_LIMIT_MS = 5_000;
    const comments = '<!-- a -->'.repeat(5_000);

    it('many comments before something that is not an Envelope are dismissed (the expression cannot backtrack)', () => {
      const cut = (xml: string): string | undefined =>
        finishesWithin(HANG_LIMIT_MS, 'soapBodyText after 5,000 comments', () => soapBodyText(xml));
      expect(cut(`${comments}<Other/>`)).toBeUndefined();
      expect(cut(`${comments}<s:Envelope xmlns:s="x"><s:Body>1</s:Body></s:Envelope>`)).toBe(
        '<s:Body>1</s:Body>',
      );
    });

    it('the deadline stops a catastrophically backtracking expression, so the guard fails rather than hangs', () => {
      // /^(a+)+$/ tries every split of the a's (2^40 here) before it gives up on the final b.
      expect(() =>
        finishesWithin(100, 'a catastrophic expression', () => /^(a+)+$/.test(`${'a'.repeat(40)}b`)),
      ).toThrow(DeadlineExceededError);
    });
  });
});

describe('reply texts are taken as written, then decoded once', () => {
  it('escaped HTML, character references and emoji come back exactly', () => {
    const settings = readOofSettings(
      parseXml(oofAnswer('&lt;p&gt;Fr&#252;hling &amp;amp; &#x1F334;&lt;/p&gt;', '')),
      ctx,
    );
    expect(settings.internalReply).toBe('<p>Frühling &amp; 🌴</p>');
    expect(settings.externalReply).toBe('');
  });

  it('CDATA sections are kept as they are (no entity decoding inside), text around them decoded', () => {
    const settings = readOofSettings(parseXml(oofAnswer('a &amp; <![CDATA[<b>&amp;</b>]]> z')), ctx);
    expect(settings.internalReply).toBe('a & <b>&amp;</b> z');
  });

  it('markup inside a reply text is refused, naming the element', () => {
    expect(() => readOofSettings(parseXml(oofAnswer('<b>bold</b>')), ctx)).toThrow(
      /unexpected markup inside <Message>/,
    );
    // The parser itself refuses an unterminated CDATA section there (the client reports InvalidResponse).
    expect(() => parseXml(oofAnswer('<![CDATA[open'))).toThrow(/not closed/);
  });

  it('the same reply from a whole-document parse (an answer of another shape)', () => {
    const xml = `<?pi?>${oofAnswer('&lt;i&gt;hi&lt;/i&gt;')}`;
    expect(soapBodyText(xml)).toBeUndefined();
    expect(readOofSettings(parseXml(xml), ctx).internalReply).toBe('<i>hi</i>');
  });
});
