/**
 * Response and fault documents, in the shapes real Exchange sends (copied from the handout's samples in
 * test/fixtures/ews-samples): `s:` SOAP envelope, ServerVersionInfo header, `m:`/`t:` payloads, faults with
 * `a:`-prefixed faultcode and `e:ResponseCode`/`e:Message` details.
 */
import { escapeXml } from './xml';

/** Exchange 2019 CU-era build; V2017_07_11 is the newest version the schema enumerates. */
const SERVER_VERSION_INFO =
  '<h:ServerVersionInfo MajorVersion="15" MinorVersion="2" MajorBuildNumber="1544" MinorBuildNumber="11" Version="V2017_07_11" ' +
  'xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types" xmlns="http://schemas.microsoft.com/exchange/services/2006/types" ' +
  'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>';

const ENVELOPE_START =
  '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>' +
  SERVER_VERSION_INFO +
  '</s:Header><s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">';
const ENVELOPE_END = '</s:Body></s:Envelope>';

const M_T_NS =
  'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"';

/** Wraps a body payload in the response envelope. */
export function envelope(bodyXml: string): string {
  return ENVELOPE_START + bodyXml + ENVELOPE_END;
}

/** `<m:{op}Response><m:ResponseMessages>...</m:ResponseMessages></m:{op}Response>`, the common multi-message form. */
export function responseMessages(operation: string, messages: string[]): string {
  return envelope(
    `<m:${operation}Response ${M_T_NS}><m:ResponseMessages>${messages.join('')}</m:ResponseMessages></m:${operation}Response>`,
  );
}

/** One successful `m:{op}ResponseMessage` with the given inner XML after ResponseCode. */
export function successMessage(operation: string, inner = ''): string {
  return `<m:${operation}ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>${inner}</m:${operation}ResponseMessage>`;
}

/** An error reported inside HTTP 200, as a ResponseMessage with ResponseClass Error (or Warning). */
export interface ResponseError {
  code: string;
  text: string;
  /** `m:MessageXml` Values, by Name. */
  values?: Record<string, string>;
  responseClass?: 'Error' | 'Warning';
}

export function errorMessage(operation: string, error: ResponseError, trailing = ''): string {
  const values = error.values
    ? `<m:MessageXml>${Object.entries(error.values)
        .map(([name, value]) => `<t:Value Name="${escapeXml(name)}">${escapeXml(value)}</t:Value>`)
        .join('')}</m:MessageXml>`
    : '';
  return (
    `<m:${operation}ResponseMessage ResponseClass="${error.responseClass ?? 'Error'}">` +
    `<m:MessageText>${escapeXml(error.text)}</m:MessageText><m:ResponseCode>${error.code}</m:ResponseCode>` +
    `<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>${values}${trailing}</m:${operation}ResponseMessage>`
  );
}

/**
 * The older single-message form GetUserOofSettings and SetUserOofSettings use: `<{op}Response>` in the
 * messages default namespace holding one `ResponseMessage` (see GetUserOofSettings.response.xml).
 */
export function legacyResponseMessage(error?: ResponseError): string {
  if (!error)
    return '<ResponseMessage ResponseClass="Success"><ResponseCode>NoError</ResponseCode></ResponseMessage>';
  const values = error.values
    ? `<MessageXml>${Object.entries(error.values)
        .map(
          ([name, value]) =>
            `<t:Value xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" Name="${escapeXml(name)}">${escapeXml(value)}</t:Value>`,
        )
        .join('')}</MessageXml>`
    : '';
  return (
    `<ResponseMessage ResponseClass="${error.responseClass ?? 'Error'}"><MessageText>${escapeXml(error.text)}</MessageText>` +
    `<ResponseCode>${error.code}</ResponseCode><DescriptiveLinkKey>0</DescriptiveLinkKey>${values}</ResponseMessage>`
  );
}

/** Operations answered in the legacy single-message form. */
export const LEGACY_RESPONSE_OPERATIONS = new Set(['GetUserOofSettings', 'SetUserOofSettings']);

/** The same error for every entry of a request (`count` messages), in the operation's own response form. */
export function errorResponse(operation: string, error: ResponseError, count = 1): string {
  if (LEGACY_RESPONSE_OPERATIONS.has(operation)) {
    return envelope(
      `<${operation}Response xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">${legacyResponseMessage(error)}</${operation}Response>`,
    );
  }
  return responseMessages(
    operation,
    Array.from({ length: Math.max(1, count) }, () => errorMessage(operation, error)),
  );
}

/** A SOAP fault carrying an EWS ResponseCode (HTTP 500), e.g. ErrorImpersonateUserDenied, ErrorServerBusy. */
export interface SoapFault {
  code: string;
  message: string;
  /** Detail message when it differs from the faultstring (ErrorSchemaValidation). */
  detailMessage?: string;
  /** `t:MessageXml` children: `t:Value Name=...` pairs. */
  values?: Record<string, string>;
  /** ErrorSchemaValidation's LineNumber/LinePosition/Violation. */
  violation?: { line: number; position: number; text: string };
}

export function faultEnvelope(fault: SoapFault): string {
  let messageXml = '';
  if (fault.values) {
    messageXml = `<t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">${Object.entries(
      fault.values,
    )
      .map(([name, value]) => `<t:Value Name="${escapeXml(name)}">${escapeXml(value)}</t:Value>`)
      .join('')}</t:MessageXml>`;
  } else if (fault.violation) {
    const v = fault.violation;
    messageXml =
      `<t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:LineNumber>${v.line}</t:LineNumber>` +
      `<t:LinePosition>${v.position}</t:LinePosition><t:Violation>${escapeXml(v.text)}</t:Violation></t:MessageXml>`;
  }
  // Faults carry no ServerVersionInfo header in the captures we copy.
  return (
    '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>' +
    `<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:${fault.code}</faultcode>` +
    `<faultstring xml:lang="en-US">${escapeXml(fault.message)}</faultstring><detail>` +
    `<e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">${fault.code}</e:ResponseCode>` +
    `<e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">${escapeXml(fault.detailMessage ?? fault.message)}</e:Message>` +
    `${messageXml}</detail></s:Fault></s:Body></s:Envelope>`
  );
}

/** The fault texts Exchange uses, in one place. */
export const FAULTS = {
  // ResponseCode reference (EWS): ErrorImpersonateUserDenied "is returned in the server-to-server
  // authorization case for Exchange Impersonation when the caller does not have the proper rights to
  // impersonate the specific user in question" (the ms-Exch-EPI-May-Impersonate right, which a management
  // scope on the ApplicationImpersonation assignment limits). tenantStore.ts mayImpersonate decides it.
  impersonateUserDenied: (): SoapFault => ({
    code: 'ErrorImpersonateUserDenied',
    message: 'The account does not have permission to impersonate the requested user.',
  }),
  nonExistentMailbox: (): SoapFault => ({
    code: 'ErrorNonExistentMailbox',
    message: 'The SMTP address has no mailbox associated with it.',
  }),
  nonPrimarySmtpAddress: (primary: string): SoapFault => ({
    code: 'ErrorNonPrimarySmtpAddress',
    message:
      'The SMTP address format is invalid: the address is not the primary SMTP address of the mailbox.',
    values: { Primary: primary },
  }),
  impersonationHeaderRequired: (): SoapFault => ({
    code: 'ErrorInvalidExchangeImpersonationHeaderData',
    message: 'ExchangeImpersonation SOAP header must be present for this type of OAuth token.',
  }),
  impersonationHeaderInvalid: (why: string): SoapFault => ({
    code: 'ErrorInvalidExchangeImpersonationHeaderData',
    message: `The impersonation header data is invalid: ${why}`,
  }),
  serverBusy: (backOffMs: number): SoapFault => ({
    code: 'ErrorServerBusy',
    message: 'The server cannot service this request right now. Try again later.',
    values: { BackOffMilliseconds: String(Math.max(0, Math.round(backOffMs))) },
  }),
  /** On-premises Exchange also sends ErrorServerBusy with no back-off value: the client picks its own wait. */
  serverBusyNoBackOff: (): SoapFault => ({
    code: 'ErrorServerBusy',
    message: 'The server cannot service this request right now. Try again later.',
  }),
  /** Exchange Online's EWSMaxConcurrency refusal, texts verbatim from ews-managed-api#293 (NOTES file). */
  exceededConnectionCount: (limit: number, suggestedBackOffMs: number): SoapFault => ({
    code: 'ErrorExceededConnectionCount',
    message:
      'You have exceeded the available concurrent connections for your account.  Try again once your other requests have completed.',
    values: {
      Policy: 'MaxConcurrency',
      MaxConcurrencyLimit: String(limit),
      ErrorMessage:
        `This operation exceeds the throttling budget for policy part 'MaxConcurrency', policy value '${limit}',  ` +
        `Budget type: 'Ews'.  Suggested backoff time ${Math.max(0, Math.round(suggestedBackOffMs))} ms.`,
    },
  }),
  schemaValidation: (violation: string, line = 1, position = 1): SoapFault => ({
    code: 'ErrorSchemaValidation',
    message: `The request failed schema validation: ${violation}`,
    detailMessage: 'The request failed schema validation.',
    violation: { line, position, text: violation },
  }),
  /** Exchange's generic failure text (Error.ErrorInternalServerError.inner-error.xml), with no inner code. */
  internalServerError: (): SoapFault => ({
    code: 'ErrorInternalServerError',
    message: 'An internal server error occurred. The operation failed.',
  }),
  invalidRequest: (why: string): SoapFault => ({
    code: 'ErrorInvalidRequest',
    message: `The request is invalid. ${why}`,
  }),
} as const;
