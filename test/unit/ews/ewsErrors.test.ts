import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  classifyResponseCode,
  errorFromResponseMessage,
  errorFromSoapFault,
  retryAfterMs,
  transportError,
} from '../../../shared/mailbox/ews/ewsErrors';
import { readBatchOutcome, responseMessages } from '../../../shared/mailbox/ews/soapResponses';
import { attr, child, parseXml, text, XmlRefusedError } from '../../../shared/mailbox/ews/xml';
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

/** A SOAP fault as Exchange sends it; `detail` is the inner XML of <detail>. */
const fault = (faultcode: string, detail: string, faultstring = 'fault string') =>
  parseXml(
    `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>` +
      `<faultcode>${faultcode}</faultcode><faultstring>${faultstring}</faultstring>` +
      `<detail>${detail}</detail></s:Fault></s:Body></s:Envelope>`,
  );
/** A SOAP fault holding only `inner` (no faultcode, faultstring or detail beyond what it names). */
const bareFault = (inner: string) =>
  parseXml(`<s:Envelope xmlns:s="x"><s:Body><s:Fault>${inner}</s:Fault></s:Body></s:Envelope>`);
/** What a fault that carries only `faultcode` (no ResponseCode in its detail) is read as. */
const readFaultcode = (faultcode: string) => errorFromSoapFault(fault(faultcode, ''), ctx);
const backOff = (value: string) =>
  `<e:ResponseCode>ErrorServerBusy</e:ResponseCode><e:Message>busy</e:Message>` +
  `<t:MessageXml><t:Value Name="BackOffMilliseconds">${value}</t:Value></t:MessageXml>`;

/** One ResponseMessage of an ArchiveItem answer. */
function responseMessage(inner: string, responseClass = 'Error') {
  const envelope = parseXml(
    `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:ArchiveItemResponse>` +
      `<m:ResponseMessages><m:ArchiveItemResponseMessage ResponseClass="${responseClass}">${inner}` +
      `</m:ArchiveItemResponseMessage></m:ResponseMessages></m:ArchiveItemResponse></s:Body></s:Envelope>`,
  );
  const [message] = responseMessages(envelope, 'ArchiveItem');
  if (!message) throw new Error('no ResponseMessage');
  return message;
}

describe('what decides how an EWS error is handled', () => {
  it('the fault detail’s ResponseCode is what counts, not the faultcode beside it', () => {
    const error = errorFromSoapFault(
      fault('a:ErrorInternalServerTransientError', '<e:ResponseCode>ErrorAccessDenied</e:ResponseCode>'),
      ctx,
    );
    expect(error).toMatchObject({
      code: 'ErrorAccessDenied',
      errorClass: 'permanent',
      message: 'fault string',
    });
  });

  it('the detail’s Message is the error’s message, trimmed, rather than the faultstring', () => {
    const error = errorFromSoapFault(
      fault(
        'a:ErrorServerBusy',
        '<e:ResponseCode> ErrorServerBusy </e:ResponseCode><e:Message>\n  Busy, come back later \n</e:Message>',
      ),
      ctx,
    );
    expect(error).toMatchObject({
      code: 'ErrorServerBusy',
      message: 'Busy, come back later',
      backOffMs: undefined,
    });
  });

  it('a faultcode written over several lines, or naming no Error code, is still read', () => {
    expect(readFaultcode('\n  a:ErrorServerBusy\n')).toMatchObject({ code: 'ErrorServerBusy' });
    expect(readFaultcode('soap:ServerError')).toMatchObject({
      code: 'SoapFault_ServerError',
      errorClass: 'permanent',
    });
    expect(readFaultcode('Server')).toMatchObject({ code: 'SoapFault_Server' });
  });

  it('a fault with neither faultcode nor detail is SoapFault_Unknown', () => {
    expect(errorFromSoapFault(bareFault('<faultstring>odd</faultstring>'), ctx)).toMatchObject({
      code: 'SoapFault_Unknown',
      message: 'odd',
    });
  });

  it('without a detail ResponseCode the faultcode’s name is used, its prefix dropped', () => {
    expect(readFaultcode('a:ErrorServerBusy')).toMatchObject({
      code: 'ErrorServerBusy',
      errorClass: 'throttled',
    });
    expect(readFaultcode('')).toMatchObject({ code: 'SoapFault_Unknown' });
  });

  it('a fault with no message text at all still says which code it was', () => {
    const error = errorFromSoapFault(bareFault('<faultcode>a:ErrorAccessDenied</faultcode>'), ctx);
    expect(error).toMatchObject({ code: 'ErrorAccessDenied', message: 'ErrorAccessDenied' });
  });

  it.each([
    ['-5', undefined],
    ['soon', undefined],
    ['', undefined],
    ['Infinity', undefined],
    ['1500ms', undefined],
    ['0', 0],
    [' 1500 ', 1500],
  ])('BackOffMilliseconds %p is taken as %p', (value, expected) => {
    expect(errorFromSoapFault(fault('a:ErrorServerBusy', backOff(value)), ctx)?.backOffMs).toBe(expected);
  });

  it('"archive mailbox is not enabled" is named so only when Exchange says it with ErrorInvalidOperation', () => {
    const answer = (text: string, code: string) =>
      errorFromResponseMessage(
        responseMessage(`<m:MessageText>${text}</m:MessageText><m:ResponseCode>${code}</m:ResponseCode>`),
        ctx,
      );
    expect(
      answer('The Archive Mailbox Is Not Enabled for this user.', 'ErrorInvalidOperation'),
    ).toMatchObject({
      code: 'ErrorArchiveMailboxNotEnabled',
      errorClass: 'permanent',
    });
    expect(
      answer('The operation cannot be performed on a public folder.', 'ErrorInvalidOperation'),
    ).toMatchObject({ code: 'ErrorInvalidOperation' });
    // Busy, quoting the text: the code decides, not the words.
    expect(answer('archive mailbox is not enabled (retry later)', 'ErrorServerBusy')).toMatchObject({
      code: 'ErrorServerBusy',
      errorClass: 'throttled',
    });
  });

  it('an inner code Exchange left empty stays empty (and is no throttling)', () => {
    const message = responseMessage(
      '<m:ResponseCode>ErrorInternalServerError</m:ResponseCode>' +
        '<m:MessageXml><t:Value Name="InnerErrorResponseCode"/><t:Value>nameless</t:Value></m:MessageXml>',
    );
    expect(errorFromResponseMessage(message, ctx)).toMatchObject({ innerCode: '', errorClass: 'transient' });
  });

  it('a ResponseMessage’s code and text are read without the whitespace around them', () => {
    const message = responseMessage(
      '<m:MessageText>\n  Access is denied. \n</m:MessageText><m:ResponseCode>\n ErrorAccessDenied \n</m:ResponseCode>',
    );
    expect(errorFromResponseMessage(message, ctx)).toMatchObject({
      code: 'ErrorAccessDenied',
      errorClass: 'permanent',
      message: 'Access is denied.',
    });
  });

  it('a ResponseMessage that succeeded or warned is not an error; one without a code is ErrorUnknown', () => {
    expect(errorFromResponseMessage(responseMessage('', 'Success'), ctx)).toBeUndefined();
    expect(errorFromResponseMessage(responseMessage('', 'Warning'), ctx)).toBeUndefined();
    expect(errorFromResponseMessage(responseMessage(''), ctx)).toMatchObject({
      code: 'ErrorUnknown',
      errorClass: 'permanent',
      message: 'ErrorUnknown',
      mailbox: 'alice@contoso.com',
      requestId: 'r-1',
      httpStatus: 500,
    });
  });

  it.each([
    ['ErrorExceededConnectionCount', undefined, 'throttled'],
    ['ErrorTimeoutExpired', undefined, 'transient'],
    ['ErrorInternalServerError', undefined, 'transient'],
    ['ErrorInternalServerError', 'ErrorQuotaExceededOnDelete', 'transient'],
    ['ErrorServerBusy', 'ErrorServerBusy', 'throttled'],
    ['ErrorItemNotFound', undefined, 'permanent'],
    ['ErrorInvalidRequest', undefined, 'bug'],
    ['ErrorSomethingNew', undefined, 'permanent'],
  ])('%s (inner %s) is %s', (code, inner, expected) => {
    expect(classifyResponseCode(code, inner)).toBe(expected);
  });

  it('a transport failure is transient unless said otherwise, with what the caller knows', () => {
    expect(transportError('TIMEOUT', 'no answer in 30 s', { mailbox: 'a@contoso.com' })).toMatchObject({
      code: 'TIMEOUT',
      errorClass: 'transient',
      message: 'no answer in 30 s',
      mailbox: 'a@contoso.com',
    });
    expect(
      transportError('HTTP_429', 'too many', {
        httpStatus: 429,
        backOffMs: 2000,
        errorClass: 'throttled',
        requestId: 'r',
      }),
    ).toMatchObject({
      code: 'HTTP_429',
      errorClass: 'throttled',
      httpStatus: 429,
      backOffMs: 2000,
      requestId: 'r',
    });
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-11-25T10:00:00Z');
  it.each([
    [['3', '9'], 3000],
    ['0', 0],
    ['-5', undefined],
    [' 7 ', 7000],
    ['7s', undefined],
    ['', undefined],
    ['Wed, 25 Nov 2026 09:59:00 GMT', 0],
    ['Wed, 25 Nov 2026 10:00:30 GMT', 30_000],
  ])('%p is %p ms', (header, expected) => {
    expect(retryAfterMs(header, now)).toBe(expected);
  });
});
