/**
 * Successful answers of every operation but FindItem are parsed without attributes (xml.ts
 * plainSuccess, soapResponses.ts READS_ATTRIBUTES_ON_SUCCESS). These tests hold every reader to the
 * same result both ways on Microsoft's samples, and every error to the full parse.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorFromSoapFault } from '../../../shared/mailbox/ews/ewsErrors';
import * as responses from '../../../shared/mailbox/ews/soapResponses';
import { parseXml, plainSuccess, type XmlNode } from '../../../shared/mailbox/ews/xml';
import { mailboxFailure } from '../../support/mailboxFailure';

const SAMPLES = join(__dirname, '../../fixtures/ews-samples');
const sample = (name: string): string => readFileSync(join(SAMPLES, name), 'utf8');
const ctx = { httpStatus: 200, mailbox: 'alice@contoso.com', requestId: 'r-1' };

/** Each operation's reader, as the client calls it after a successful answer. */
const READERS: Record<string, (xml: XmlNode) => unknown> = {
  'GetUserOofSettings.response.xml': (xml) => responses.readOofSettings(xml, ctx),
  'SetUserOofSettings.response.xml': (xml) => responses.readSetOofResult(xml, ctx),
  'GetFolder.response.xml': (xml) => responses.readFolder(xml, 'archivemsgfolderroot', ctx),
  'ExpandDL.response.xml': (xml) => responses.readGroupMembers(xml, ctx),
  'ResolveNames.response.xml': (xml) => responses.readResolvedAddress(xml, 'alice', ctx),
  'ArchiveItem.response.xml': (xml) => responses.readBatchOutcome(xml, 'ArchiveItem', [{ id: 'a' }], ctx),
  'MoveItem.response.xml': (xml) => responses.readBatchOutcome(xml, 'MoveItem', [{ id: 'a' }], ctx),
};

const withoutAttributes = { attributesOnSuccess: false };

describe('successful answers read without attributes', () => {
  it.each(Object.keys(READERS))('%s: the reader gives the same result both ways', (name) => {
    const xml = sample(name);
    const read = READERS[name] as (xml: XmlNode) => unknown;
    expect(plainSuccess(xml)).toBe(true);
    const fast = parseXml(xml, withoutAttributes);
    expect(fast).not.toEqual(parseXml(xml)); // the attributes really were left out
    expect(read(fast)).toEqual(read(parseXml(xml)));
  });

  it('every success sample without a reader here is FindItem, which, like CreateItem and UpdateItem, keeps attributes', () => {
    const successes = readdirSync(SAMPLES).filter(
      (f) => /\.response[\w.-]*\.xml$/.test(f) && plainSuccess(sample(f)),
    );
    const unread = successes.filter((f) => !(f in READERS));
    expect(unread.length).toBeGreaterThan(0);
    for (const name of unread) expect(name.split('.')[0]).toBe('FindItem');
    // FindItem reads ids and paging, CreateItem and UpdateItem the item's id: all from attributes.
    expect(responses.READS_ATTRIBUTES_ON_SUCCESS).toEqual(new Set(['FindItem', 'CreateItem', 'UpdateItem']));
    // Without its attributes a FindItem page has no ids: the reason it is on the list.
    const page = responses.readFindItemPage(
      parseXml(sample('FindItem.response.xml'), withoutAttributes),
      ctx,
    );
    expect(page.items).toHaveLength(0);
  });
});

describe('answers that may not be a success keep their attributes', () => {
  const errors = readdirSync(SAMPLES).filter(
    (f) => f.endsWith('.xml') && (f.startsWith('Error.') || f.includes('.error')),
  );

  it.each(errors)('%s: parsed whole', (name) => {
    const xml = sample(name);
    expect(plainSuccess(xml)).toBe(false);
    expect(parseXml(xml, withoutAttributes)).toEqual(parseXml(xml));
  });

  it('ErrorServerBusy keeps its BackOffMilliseconds (a MessageXml value named by an attribute)', () => {
    const xml = sample('Error.ErrorServerBusy.soapfault.BackOffMilliseconds.xml');
    expect(errorFromSoapFault(parseXml(xml, withoutAttributes), ctx)?.backOffMs).toBeGreaterThan(0);
  });

  const oofError = (responseClass: string): string =>
    `<s:Envelope xmlns:s="x"><s:Body><GetUserOofSettingsResponse><ResponseMessage ${responseClass}>` +
    `<ResponseCode>ErrorMailboxMoveInProgress</ResponseCode><MessageText>Moving</MessageText></ResponseMessage>` +
    `</GetUserOofSettingsResponse></s:Body></s:Envelope>`;

  it.each([`ResponseClass="Error"`, `ResponseClass='Error'`, `ResponseClass = "Error"`])(
    'a ResponseMessage with %s is read as the error it is',
    async (responseClass) => {
      const xml = oofError(responseClass);
      expect(plainSuccess(xml)).toBe(false);
      // A promise, so that mailboxFailure can tell the error from a success.
      const read = Promise.resolve().then(() =>
        responses.readOofSettings(parseXml(xml, withoutAttributes), ctx),
      );
      expect((await mailboxFailure(read)).code).toBe('ErrorMailboxMoveInProgress');
    },
  );

  it('a warning is not taken for a plain success', () => {
    expect(plainSuccess(oofError('ResponseClass="Warning"'))).toBe(false);
  });

  it('one error among successes in a batch answer is still an error', () => {
    const message = (cls: string, code: string): string =>
      `<m:ArchiveItemResponseMessage ResponseClass="${cls}"><m:ResponseCode>${code}</m:ResponseCode></m:ArchiveItemResponseMessage>`;
    const xml =
      `<s:Envelope xmlns:s="x" xmlns:m="y"><s:Body><m:ArchiveItemResponse><m:ResponseMessages>` +
      message('Success', 'NoError') +
      message('Error', 'ErrorItemNotFound') +
      `</m:ResponseMessages></m:ArchiveItemResponse></s:Body></s:Envelope>`;
    expect(plainSuccess(xml)).toBe(false);
    const outcome = responses.readBatchOutcome(
      parseXml(xml, withoutAttributes),
      'ArchiveItem',
      [{ id: 'a' }, { id: 'b' }],
      ctx,
    );
    expect(outcome).toEqual({
      moved: 1,
      failed: [expect.objectContaining({ id: 'b', code: 'ErrorItemNotFound' })],
    });
  });

  it('an answer with no ResponseClass at all is parsed whole', () => {
    expect(plainSuccess('<s:Body><GetUserOofSettingsResponse/></s:Body>')).toBe(false);
  });
});
