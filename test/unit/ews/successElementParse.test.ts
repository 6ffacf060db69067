/**
 * The narrow parse of the hot path (xml.ts parseSuccessElement, soapResponses.ts OOF_SETTINGS_ON_SUCCESS):
 * a plain-success GetUserOofSettings answer is read from its OofSettings element alone. These tests hold
 * it to the whole parse on Microsoft's sample and on variants of it, and check that every answer that
 * may be anything else (errors, warnings, comments, CDATA, a DOCTYPE, two elements) is left to the whole
 * parse, which reads or refuses it as before.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as responses from '../../../shared/mailbox/ews/soapResponses';
import { child, parseSuccessElement, parseXml, XmlRefusedError } from '../../../shared/mailbox/ews/xml';
import { mailboxFailure } from '../../support/mailboxFailure';

const SAMPLES = join(__dirname, '../../fixtures/ews-samples');
const sample = (name: string): string => readFileSync(join(SAMPLES, name), 'utf8');
const ctx = { httpStatus: 200, mailbox: 'alice@contoso.com', requestId: 'r-1' };
const OOF = sample('GetUserOofSettings.response.xml');

/** What the client answers for a GetUserOofSettings answer: the narrow path when it applies, else the whole parse. */
function clientRead(xml: string): unknown {
  const element = parseSuccessElement(xml, 'OofSettings');
  if (element) return responses.OOF_SETTINGS_ON_SUCCESS.read(element);
  return responses.readOofSettings(parseXml(xml, { attributesOnSuccess: false }), ctx);
}

/** The OofSettings subtree of the whole parse. */
function wholeParseSettings(xml: string): unknown {
  const body = child(child(parseXml(xml, { attributesOnSuccess: false }), 'Envelope'), 'Body');
  return child(child(body, 'GetUserOofSettingsResponse'), 'OofSettings');
}

describe('a plain-success GetUserOofSettings answer is read from its OofSettings alone', () => {
  it("Microsoft's sample: the same element tree and the same settings as the whole parse", () => {
    const element = parseSuccessElement(OOF, 'OofSettings');
    expect(element).toBeDefined();
    expect(element).toEqual(wholeParseSettings(OOF));
    expect(responses.OOF_SETTINGS_ON_SUCCESS.read(element ?? {})).toEqual({
      state: 'Disabled',
      externalAudience: 'All',
      internalReply: 'I am out of office. This is my internal reply.',
      externalReply: 'I am out of office. This is my external reply.',
      start: '2006-11-03T23:00:00.000Z',
      end: '2006-11-04T23:00:00.000Z',
    });
    expect(clientRead(OOF)).toEqual(responses.readOofSettings(parseXml(OOF), ctx));
  });

  const variants: [string, string][] = [
    [
      'OofSettings with a prefix',
      OOF.replace('<OofSettings ', '<t:OofSettings ').replace('</OofSettings>', '</t:OofSettings>'),
    ],
    ['white space before the end tag closes', OOF.replace('</OofSettings>', '</OofSettings \n >')],
    ['an attribute value holding ">" and "/>"', OOF.replace('<OofSettings ', '<OofSettings note="a > b/>" ')],
    [
      'a reply text that mentions the element, escaped',
      OOF.replace('This is my internal reply.', '&lt;OofSettings&gt; &amp; more'),
    ],
    [
      'elements whose names only contain OofSettings',
      OOF.replace(
        '<AllowExternalOof>All</AllowExternalOof>',
        '<UserOofSettings/><OofSettingsNote>x</OofSettingsNote>',
      ),
    ],
    ['no Duration', OOF.replace(/<Duration>[\s\S]*<\/Duration>/, '')],
  ];

  it.each(variants)('%s: the narrow path reads it, as the whole parse does', (_name, xml) => {
    const element = parseSuccessElement(xml, 'OofSettings');
    expect(element).toBeDefined();
    expect(element).toEqual(wholeParseSettings(xml));
    expect(clientRead(xml)).toEqual(responses.readOofSettings(parseXml(xml), ctx));
  });

  it('an empty reply and an OofState the app does not know read the same both ways', () => {
    const empty = OOF.replace('I am out of office. This is my internal reply.', '');
    expect(clientRead(empty)).toMatchObject({ internalReply: '' });
    const unknownState = OOF.replace('<OofState>Disabled</OofState>', '<OofState>Sometimes</OofState>');
    expect(parseSuccessElement(unknownState, 'OofSettings')).toBeDefined();
    expect(() => clientRead(unknownState)).toThrow(
      'unexpected GetUserOofSettings response from Exchange: OofState "Sometimes"',
    );
  });

  it('markup inside a reply text is refused by the narrow path too, naming the element', () => {
    const xml = OOF.replace('This is my internal reply.', '<b>bold</b>');
    expect(parseSuccessElement(xml, 'OofSettings')).toBeDefined();
    expect(() => clientRead(xml)).toThrow(/unexpected markup inside <Message>/);
  });
});

describe('answers that may be anything else are left to the whole parse', () => {
  it.each(readdirSync(SAMPLES).filter((f) => f.endsWith('.xml') && f !== 'GetUserOofSettings.response.xml'))(
    '%s: no OofSettings read from it',
    (name) => {
      expect(parseSuccessElement(sample(name), 'OofSettings')).toBeUndefined();
    },
  );

  const cases: [string, string][] = [
    ['a comment in the Body', OOF.replace('<AllowExternalOof>', '<!-- <OofSettings/> --><AllowExternalOof>')],
    ['a CDATA section in a reply', OOF.replace('This is my internal reply.', '<![CDATA[<b>x</b>]]>')],
    [
      'a processing instruction in the Body',
      OOF.replace('<AllowExternalOof>', '<?pi <OofSettings/>?><AllowExternalOof>'),
    ],
    [
      'two OofSettings',
      OOF.replace(
        '<AllowExternalOof>All</AllowExternalOof>',
        '<OofSettings><OofState>Enabled</OofState></OofSettings>',
      ),
    ],
    ['a warning', OOF.replace('ResponseClass="Success"', 'ResponseClass="Warning"')],
    ['an error', OOF.replace('ResponseClass="Success"', 'ResponseClass="Error"')],
    ['Success written otherwise', OOF.replace('ResponseClass="Success"', "ResponseClass='Success'")],
    ['an end tag missing', OOF.replace('</OofSettings>', '')],
    ['no OofSettings', OOF.replace(/<OofSettings[\s\S]*<\/OofSettings>/, '')],
    [
      'no Envelope',
      '<GetUserOofSettingsResponse><ResponseMessage ResponseClass="Success"/><OofSettings/></GetUserOofSettingsResponse>',
    ],
  ];

  it.each(cases)('%s: not read by the narrow path', (_name, xml) => {
    expect(parseSuccessElement(xml, 'OofSettings')).toBeUndefined();
  });

  it('the whole parse still reads a CDATA reply, a warning and an error as before', async () => {
    const [, cdata] = cases[1] as [string, string];
    expect(clientRead(cdata)).toMatchObject({ internalReply: 'I am out of office. <b>x</b>' });
    const [, warning] = cases[4] as [string, string];
    expect(clientRead(warning)).toMatchObject({ state: 'Disabled' });
    const [, error] = cases[5] as [string, string];
    // A promise, so that mailboxFailure can tell the error from a success.
    const failure = await mailboxFailure(Promise.resolve().then(() => clientRead(error)));
    expect(failure).toMatchObject({ code: 'NoError', errorClass: 'permanent' });
  });

  it('a DOCTYPE is never read by the narrow path, and the whole parse refuses it', () => {
    const xml = OOF.replace('<soap:Envelope', '<!DOCTYPE x [<!ENTITY a "b">]><soap:Envelope');
    expect(parseSuccessElement(xml, 'OofSettings')).toBeUndefined();
    expect(() => parseXml(xml)).toThrow(XmlRefusedError);
  });
});
