import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  classifyResponseCode,
  errorFromResponseMessage,
  errorFromSoapFault,
  retryAfterMs,
} from '../../../shared/ews/ewsErrors';
import { readBatchOutcome, responseMessages } from '../../../shared/ews/soapResponses';
import { attr, child, parseXml, text, XmlRefusedError } from '../../../shared/ews/xml';
import { MailboxError } from '../../../shared/mailbox/mailboxError';

const sample = (name: string) =>
  parseXml(readFileSync(join(__dirname, '../../fixtures/ews-samples', name), 'utf8'));
const ctx = { httpStatus: 500, mailbox: 'alice@contoso.com', requestId: 'r-1' };

describe('SOAP faults from Exchange become typed errors', () => {
  it('ErrorServerBusy carries the BackOffMilliseconds Exchange asked for and is throttling', () => {
    const error = errorFromSoapFault(sample('Error.ErrorServerBusy.soapfault.BackOffMilliseconds.xml'), ctx);
    expect(error).toBeInstanceOf(MailboxError);
    expect(error).toMatchObject({
      code: 'ErrorServerBusy',
      errorClass: 'throttled',
      backOffMs: 297749,
      httpStatus: 500,
      mailbox: 'alice@contoso.com',
    });
    expect(error?.message).toBe('The server cannot service this request right now. Try again later.');
    expect(error?.retryable).toBe(true);
  });

  it('ErrorImpersonateUserDenied is permanent for that mailbox', () => {
    const error = errorFromSoapFault(sample('Error.ErrorImpersonateUserDenied.soapfault.xml'), ctx);
    expect(error).toMatchObject({ code: 'ErrorImpersonateUserDenied', errorClass: 'permanent' });
    expect(error?.retryable).toBe(false);
  });

  it('ErrorNonExistentMailbox (fault form) is permanent', () => {
    const error = errorFromSoapFault(sample('Error.ErrorNonExistentMailbox.soapfault.SYNTHETIC.xml'), ctx);
    expect(error).toMatchObject({ code: 'ErrorNonExistentMailbox', errorClass: 'permanent' });
  });

  it('ErrorSchemaValidation and ErrorInvalidExchangeImpersonationHeaderData are our bugs, never retried', () => {
    expect(
      errorFromSoapFault(sample('Error.ErrorSchemaValidation.soapfault.findconversation.xml'), ctx),
    ).toMatchObject({
      code: 'ErrorSchemaValidation',
      errorClass: 'bug',
    });
    expect(
      errorFromSoapFault(sample('Error.ErrorInvalidExchangeImpersonationHeaderData.soapfault.xml'), ctx),
    ).toMatchObject({ code: 'ErrorInvalidExchangeImpersonationHeaderData', errorClass: 'bug' });
  });

  it('a generic soap:Client fault (Exchange 2007 access denied) is permanent with a readable code', () => {
    const error = errorFromSoapFault(sample('GetUserOofSettings.error-soapfault-accessdenied.xml'), ctx);
    expect(error).toMatchObject({ code: 'SoapFault_Client', errorClass: 'permanent' });
    expect(error?.message).toContain('User is not mailbox owner');
  });

  it('a successful response is not a fault', () => {
    expect(errorFromSoapFault(sample('GetUserOofSettings.response.xml'), ctx)).toBeUndefined();
  });
});

describe('per-item ResponseMessages with ResponseClass="Error"', () => {
  it('ErrorInternalServerError keeps its inner code; wrapping ErrorServerBusy makes it throttling', () => {
    const [message] = responseMessages(
      sample('Error.ErrorInternalServerError.inner-error.xml'),
      'DeleteItem',
    );
    const error = errorFromResponseMessage(message!, ctx);
    expect(error).toMatchObject({
      code: 'ErrorInternalServerError',
      innerCode: 'ErrorQuotaExceededOnDelete',
      errorClass: 'transient',
    });
    expect(classifyResponseCode('ErrorInternalServerError', 'ErrorServerBusy')).toBe('throttled');
  });

  it('ErrorTooManyObjectsOpened is transient', () => {
    const [message] = responseMessages(
      sample('Error.ErrorTooManyObjectsOpened.response-message.xml'),
      'FindFolder',
    );
    expect(errorFromResponseMessage(message!, ctx)).toMatchObject({
      code: 'ErrorTooManyObjectsOpened',
      errorClass: 'transient',
    });
  });

  it('ErrorMailboxMoveInProgress is transient and ErrorAccessDenied permanent', () => {
    const [move] = responseMessages(
      sample('Error.ErrorMailboxMoveInProgress.response-message.SYNTHETIC.xml'),
      'FindItem',
    );
    const [denied] = responseMessages(
      sample('Error.ErrorAccessDenied.response-message.SYNTHETIC.xml'),
      'GetFolder',
    );
    expect(errorFromResponseMessage(move!, ctx)).toMatchObject({
      code: 'ErrorMailboxMoveInProgress',
      errorClass: 'transient',
    });
    expect(errorFromResponseMessage(denied!, ctx)).toMatchObject({
      code: 'ErrorAccessDenied',
      errorClass: 'permanent',
    });
  });

  it('mixed success and errors in one response: each item gets its own outcome', () => {
    const envelope = sample('Error.ErrorNonExistentMailbox.exportitems.xml');
    const messages = responseMessages(envelope, 'ExportItems').map((m) => errorFromResponseMessage(m, ctx));
    expect(messages[0]).toBeUndefined();
    expect(messages[1]).toMatchObject({ code: 'ErrorInvalidChangeKey' });
    expect(messages[2]).toMatchObject({ code: 'ErrorNonExistentMailbox', errorClass: 'permanent' });
  });

  it('ArchiveItem with no archive mailbox surfaces as ErrorArchiveMailboxNotEnabled, permanent', () => {
    const envelope = sample('ArchiveItem.error.xml');
    let thrown: unknown;
    try {
      readBatchOutcome(envelope, 'ArchiveItem', [{ id: 'x' }], ctx);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MailboxError);
    expect(thrown).toMatchObject({ code: 'ErrorArchiveMailboxNotEnabled', errorClass: 'permanent' });
  });
});

describe('response parsing safety', () => {
  it('refuses a DOCTYPE (no entity expansion)', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><a>&lol2;</a>`;
    expect(() => parseXml(bomb)).toThrow(XmlRefusedError);
  });

  it('Retry-After in seconds or as an HTTP date', () => {
    expect(retryAfterMs('7')).toBe(7000);
    const now = Date.parse('2026-11-25T10:00:00Z');
    expect(retryAfterMs('Wed, 25 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});

describe('text from Exchange is decoded exactly once', () => {
  it('predefined entities, numeric references, and escaped entities left as text', () => {
    const xml = parseXml(
      `<a><m>&lt;p&gt; caf&#233; &#x1F334; &amp;lt;b&amp;gt; &quot;q&quot; &apos;s&apos; ]]&gt;</m><i Id="x&amp;y"/></a>`,
    );
    expect(text(child(xml, 'a'), 'm')).toBe(`<p> café 🌴 &lt;b&gt; "q" 's' ]]>`);
    expect(attr(child(child(xml, 'a'), 'i'), 'Id')).toBe('x&y');
  });
});
