/**
 * What a request's RequestServerVersion allows. Exchange validates and answers a request against the
 * schema of the version it names, and "requests that do not include version headers are handled as
 * requests from the initial release version of Exchange 2007" (learn.microsoft.com, "Versioning Requests
 * (Exchange Web Services)", previous-versions/office/developer/exchange-server-2007/bb856547). So an
 * operation or a folder id newer than the version asked for is refused, as Exchange refuses it.
 */
import { EXCHANGE_VERSIONS, type EwsRequest } from './ewsRequest';
import type { SoapFault } from './soapResponses';
import { NS, type XmlElement } from './xml';

/** t:ExchangeVersionType in release order (the schema enumerates them so). */
const RELEASE_ORDER = [...EXCHANGE_VERSIONS];

/** The version a request without the header is handled as. */
export const VERSION_WITHOUT_HEADER = 'Exchange2007';

/**
 * Operations newer than Exchange 2007 that the sandbox implements. ArchiveItem: "Exchange Server 2013"
 * in the ArchiveItem operation page's applies-to (web-service-reference/archiveitem-operation).
 */
const OPERATION_SINCE: Readonly<Record<string, string>> = { ArchiveItem: 'Exchange2013' };

/**
 * Archive distinguished folder ids (web-service-reference/distinguishedfolderid): the archive folders
 * came with the archive mailbox in Exchange 2010 SP1; `archiveinbox` only with build 15.00.0913.09
 * (Exchange 2013), as that page says.
 */
function folderSince(id: string): string | undefined {
  if (id === 'archiveinbox') return 'Exchange2013';
  return id.startsWith('archive') ? 'Exchange2010_SP1' : undefined;
}

function distinguishedIds(element: XmlElement, found: string[] = []): string[] {
  if (element.ns === NS.types && element.name === 'DistinguishedFolderId' && element.attrs.Id)
    found.push(element.attrs.Id);
  for (const child of element.children) distinguishedIds(child, found);
  return found;
}

const rank = (version: string): number => RELEASE_ORDER.indexOf(version);

/**
 * The fault for a request that uses something its version does not have; undefined when it may. The
 * ResponseCode reference (web-service-reference/responsecode) names ErrorIncorrectSchemaVersion for "a
 * request is valid but does not specify the correct server version in the RequestServerVersion SOAP
 * header"; ErrorInvalidServerVersion is for a version the server does not know, which the header's
 * schema check (ewsRequest.ts) already refuses as ErrorSchemaValidation. The reference shows no sample of
 * either: the sandbox answers with the fault shape Exchange uses for its other header errors.
 */
export function serverVersionFault(request: EwsRequest): SoapFault | undefined {
  const asked = request.serverVersion ?? VERSION_WITHOUT_HEADER;
  const needs = [OPERATION_SINCE[request.operation], ...distinguishedIds(request.payload).map(folderSince)]
    .filter((since): since is string => since !== undefined)
    .sort((a, b) => rank(b) - rank(a))[0];
  if (needs === undefined || rank(asked) >= rank(needs)) return undefined;
  return {
    code: 'ErrorIncorrectSchemaVersion',
    message:
      `The request is valid but does not specify the correct server version in the RequestServerVersion SOAP header: ` +
      `${request.serverVersion ? `it asks for ${asked}` : `without the header it is handled as ${asked}`}, and ` +
      `${request.operation} as sent needs ${needs} or later.`,
  };
}
