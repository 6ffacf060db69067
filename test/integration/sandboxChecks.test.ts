/**
 * What the sandbox refuses, as Exchange would: bad credentials, impersonation it may not do, mailboxes
 * that do not exist, and requests that break the EWS schema. And what it accepts: any schema-valid request
 * whatever prefixes, declarations or ConnectingSID form a client uses, including Microsoft's own samples.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { EwsSandbox } from '../../dev/ews-sandbox';
import { DEMO_SERVICE_ACCOUNT, demoServiceCredentials, startDemoSandbox } from '../support/demoTenant';
import { validateEwsRequests } from '../support/schemaValidator';
import {
  basic,
  bodies,
  faultCode,
  findAll,
  messageValue,
  post,
  responseCodes,
  soap,
  texts,
  type EwsAnswer,
  type Impersonation,
} from '../support/sandboxSoap';

const SAMPLES = path.join(__dirname, '..', 'fixtures', 'ews-samples');

/** Adds RequestServerVersion + ExchangeImpersonation to a handout sample and points it at a demo mailbox. */
function fromSample(file: string, as: string, replace: Record<string, string> = {}): string {
  let xml = readFileSync(path.join(SAMPLES, file), 'utf8').replace(/<!--[\s\S]*?-->\s*/g, '');
  for (const [from, to] of Object.entries(replace)) xml = xml.split(from).join(to);
  const headers =
    '<t:RequestServerVersion xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" Version="Exchange2016"/>' +
    '<t:ExchangeImpersonation xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:ConnectingSID>' +
    `<t:PrimarySmtpAddress>${as}</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>`;
  if (/<soap:Header>/.test(xml)) {
    return xml
      .replace(/<t:RequestServerVersion[^>]*\/>/, '')
      .replace('<soap:Header>', `<soap:Header>${headers}`);
  }
  return xml.replace(/<soap:Body>/, `<soap:Header>${headers}</soap:Header><soap:Body>`);
}

describe('EWS sandbox checks', () => {
  let sandbox: EwsSandbox;
  const sent: string[] = [];
  const call = (
    xml: string,
    anchor = 'alice@contoso.com',
    creds = demoServiceCredentials,
    headers?: Record<string, string>,
  ): Promise<EwsAnswer> => {
    sent.push(xml);
    return post(sandbox.url, xml, { ...creds, anchor, headers });
  };

  beforeAll(async () => {
    sandbox = await startDemoSandbox({ knobs: { missingAnchorFailureRate: 0 } });
  });
  afterAll(() => sandbox.close());

  describe('credentials', () => {
    it('answers 401 with the Bearer and Basic challenges when no credentials are sent', async () => {
      const answer = await post(
        sandbox.url,
        soap(bodies.getOof('alice@contoso.com'), { as: 'alice@contoso.com' }),
      );
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer .*Basic realm=/);
    });

    it('answers 401 to a wrong password and names the reason in x-ms-diagnostics', async () => {
      const answer = await call(
        soap(bodies.getOof('alice@contoso.com'), { as: 'alice@contoso.com' }),
        'alice@contoso.com',
        basic('svc-mailbox@contoso.com', 'nope'),
      );
      expect(answer.status).toBe(401);
      expect(answer.headers.get('x-ms-diagnostics')).toMatch(/bad password/);
      expect(sandbox.requests.at(-1)).toMatchObject({ auth: 'refused', status: 401 });
    });

    it('accepts the DOMAIN\\user form of the service account', async () => {
      const answer = await call(
        soap(bodies.getOof('alice@contoso.com'), { as: 'alice@contoso.com' }),
        'alice@contoso.com',
        basic('CONTOSO\\svc-mailbox', DEMO_SERVICE_ACCOUNT.password),
      );
      expect(responseCodes(answer)).toEqual(['NoError']);
    });

    it('refuses a bearer token when the sandbox trusts no token issuer', async () => {
      const answer = await post(
        sandbox.url,
        soap(bodies.getOof('alice@contoso.com'), { as: 'alice@contoso.com' }),
        {
          authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNlMzY1LmNvbSJ9.',
        },
      );
      expect(answer.status).toBe(401);
    });
  });

  describe('impersonation', () => {
    it('refuses to impersonate a mailbox outside the account’s scope with ErrorImpersonateUserDenied', async () => {
      const answer = await call(
        soap(bodies.getOof('dave@fabrikam.com'), { as: 'dave@fabrikam.com' }),
        'dave@fabrikam.com',
      );
      expect(answer.status).toBe(500);
      expect(faultCode(answer)).toBe('ErrorImpersonateUserDenied');
      expect(texts(answer.xml, 'faultstring')).toEqual([
        'The account does not have permission to impersonate the requested user.',
      ]);
      expect(findAll(answer.xml, 'ResponseCode')[0]?.ns).toBe(
        'http://schemas.microsoft.com/exchange/services/2006/errors',
      );
    });

    it('answers ErrorNonExistentMailbox for an address nobody has', async () => {
      const answer = await call(
        soap(bodies.getOof('zed@contoso.com'), { as: 'zed@contoso.com' }),
        'zed@contoso.com',
      );
      expect(answer.status).toBe(500);
      expect(faultCode(answer)).toBe('ErrorNonExistentMailbox');
    });

    it('accepts every ConnectingSID form: SmtpAddress (proxy too), PrincipalName (UPN) and SID', async () => {
      const forms: Impersonation[] = [
        { kind: 'SmtpAddress', value: 'a.wilber@contoso.com' },
        { kind: 'PrincipalName', value: 'alice.wilber@corp.contoso.com' },
        { kind: 'SID', value: 'S-1-5-21-3642464542-282065186-3871681729-1101' },
        { kind: 'PrimarySmtpAddress', value: 'ALICE@contoso.com' },
      ];
      for (const as of forms) {
        const answer = await call(soap(bodies.getOof('alice@contoso.com'), { as }));
        expect(responseCodes(answer)).toEqual(['NoError']);
        expect(sandbox.requests.at(-1)).toMatchObject({ impersonation: as, mailbox: 'alice@contoso.com' });
      }
    });

    it('answers ErrorNonPrimarySmtpAddress with the primary when PrimarySmtpAddress names a proxy', async () => {
      const answer = await call(soap(bodies.getOof('alice@contoso.com'), { as: 'a.wilber@contoso.com' }));
      expect(faultCode(answer)).toBe('ErrorNonPrimarySmtpAddress');
      expect(messageValue(answer, 'Primary')).toBe('alice@contoso.com');
    });

    it('answers ErrorInvalidExchangeImpersonationHeaderData when ConnectingSID is empty', async () => {
      const answer = await call(
        soap(bodies.getOof('alice@contoso.com'), { as: { kind: 'PrimarySmtpAddress', value: ' ' } }),
      );
      expect(faultCode(answer)).toBe('ErrorInvalidExchangeImpersonationHeaderData');
    });

    it('lets a Basic service account without impersonation resolve names but not open mailboxes', async () => {
      const resolve = await call(soap(bodies.resolve('bob@contoso.com')), '');
      expect(responseCodes(resolve)).toEqual(['NoError']);
      const oof = await call(soap(bodies.getOof('alice@contoso.com')), '');
      expect(responseCodes(oof)).toEqual(['ErrorAccessDenied']);
      const folder = await call(soap(bodies.getFolder('inbox')), '');
      expect(responseCodes(folder)).toEqual(['ErrorMissingEmailAddress']);
    });
  });

  describe('schema', () => {
    const expectSchemaFault = (answer: EwsAnswer, violation: RegExp): void => {
      expect(answer.status).toBe(500);
      expect(faultCode(answer)).toBe('ErrorSchemaValidation');
      expect(texts(answer.xml, 'Message')).toEqual(['The request failed schema validation.']);
      expect(texts(answer.xml, 'Violation')[0]).toMatch(violation);
    };

    it('answers ErrorSchemaValidation to XML that is not well-formed', async () => {
      expectSchemaFault(
        await call('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'),
        /./,
      );
    });

    it('refuses a DOCTYPE outright', async () => {
      const xml = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>${soap(bodies.getOof('alice@contoso.com'), { as: 'alice@contoso.com', noDeclaration: true })}`;
      expectSchemaFault(await call(xml), /DTD is prohibited/);
    });

    it('names a distinguished folder id that does not exist, in Exchange’s wording', async () => {
      const answer = await call(soap(bodies.getFolder('inbox1'), { as: 'alice@contoso.com' }));
      expectSchemaFault(
        answer,
        /The value 'inbox1' is invalid according to its datatype .*DistinguishedFolderIdNameType/,
      );
    });

    it('refuses a GetFolder or GetItem without an id, as Microsoft’s schema does (FolderIds and ItemIds are NonEmptyArrayOf… types)', async () => {
      const requests = [
        '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds/></m:GetFolder>',
        '<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds/></m:GetItem>',
      ].map((body) => soap(body, { as: 'alice@contoso.com' }));
      for (const xml of requests)
        expectSchemaFault(await call(xml), /'(Folder|Item)Ids' has incomplete content/);
      expect((await validateEwsRequests(requests)).map((r) => r.valid)).toEqual([false, false]);
    });

    it('refuses misspelt headers, unknown versions, unknown elements and the wrong envelope namespace', async () => {
      const header = soap(bodies.getOof('alice@contoso.com'), {
        as: 'alice@contoso.com',
        extraHeaders: '<t:RequestServerVersoin Version="Exchange2016"/>',
      });
      expectSchemaFault(await call(header), /RequestServerVersoin/);
      expectSchemaFault(
        await call(
          soap(bodies.getOof('alice@contoso.com'), { as: 'alice@contoso.com', version: 'Exchange2019' }),
        ),
        /Exchange2019/,
      );
      expectSchemaFault(
        await call(soap('<m:GetOofSettings/>', { as: 'alice@contoso.com' })),
        /not an EWS request element/,
      );
      const soap12 = soap(bodies.getOof('alice@contoso.com'), { as: 'alice@contoso.com' }).replace(
        'http://schemas.xmlsoap.org/soap/envelope/',
        'http://www.w3.org/2003/05/soap-envelope',
      );
      expectSchemaFault(await call(soap12), /SOAP 1.1/);
    });

    it('answers ErrorInvalidRequest for a valid EWS operation the sandbox does not implement', async () => {
      const emptyFolder =
        '<m:EmptyFolder DeleteType="HardDelete" DeleteSubFolders="false"><m:FolderIds><t:DistinguishedFolderId Id="junkemail"/></m:FolderIds></m:EmptyFolder>';
      const answer = await call(soap(emptyFolder, { as: 'alice@contoso.com' }));
      expect(faultCode(answer)).toBe('ErrorInvalidRequest');
    });
  });

  describe('any client’s dialect', () => {
    it('accepts other prefixes, default namespaces, no XML declaration and a SOAPAction header', async () => {
      const xml =
        '<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Header>' +
        '<typ:RequestServerVersion xmlns:typ="http://schemas.microsoft.com/exchange/services/2006/types" Version="Exchange2013_SP1"/>' +
        '<ExchangeImpersonation xmlns="http://schemas.microsoft.com/exchange/services/2006/types"><ConnectingSID>' +
        '<SmtpAddress>alice@contoso.com</SmtpAddress></ConnectingSID></ExchangeImpersonation></env:Header>' +
        '<env:Body><GetUserOofSettingsRequest xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">' +
        '<Mailbox xmlns="http://schemas.microsoft.com/exchange/services/2006/types"><Address>alice@contoso.com</Address></Mailbox>' +
        '</GetUserOofSettingsRequest></env:Body></env:Envelope>';
      const answer = await call(xml, 'alice@contoso.com', demoServiceCredentials, {
        soapaction: '"http://schemas.microsoft.com/exchange/services/2006/messages/GetUserOofSettings"',
      });
      expect(responseCodes(answer)).toEqual(['NoError']);
      expect(sandbox.requests.at(-1)?.soapAction).toContain('GetUserOofSettings');
    });

    it('answers Microsoft’s documented sample requests once they carry the impersonation header', async () => {
      const cases: [string, string, Record<string, string>, string[]][] = [
        [
          'GetUserOofSettings.request.xml',
          'alice@contoso.com',
          { 'User1@example.com': 'alice@contoso.com' },
          ['NoError'],
        ],
        [
          'SetUserOofSettings.request.xml',
          'carol@contoso.com',
          { 'user1@example.com': 'carol@contoso.com' },
          ['NoError'],
        ],
        ['GetFolder.request.xml', 'alice@contoso.com', {}, ['NoError']],
        ['FindItem.request.xml', 'alice@contoso.com', {}, ['NoError']],
        ['ResolveNames.request.xml', 'alice@contoso.com', { User2: 'Bob' }, ['NoError']],
        [
          'ExpandDL.request-private-dl.xml',
          'alice@contoso.com',
          { '>test<': '>engineering@contoso.com<' },
          ['NoError'],
        ],
        ['MoveItem.request.xml', 'alice@contoso.com', {}, ['ErrorInvalidIdMalformed']],
        ['ArchiveItem.request.xml', 'alice@contoso.com', {}, ['ErrorInvalidIdMalformed']],
      ];
      for (const [file, as, replace, codes] of cases) {
        const answer = await call(fromSample(file, as, replace), as);
        expect({ file, status: answer.status, codes: responseCodes(answer) }).toEqual({
          file,
          status: 200,
          codes,
        });
      }
      // The handout notes this documented sample is itself invalid (t:Mailbox where the schema wants m:Mailbox).
      const invalid = await call(fromSample('ExpandDL.request-public-dl.xml', 'alice@contoso.com'));
      expect(faultCode(invalid)).toBe('ErrorSchemaValidation');
    });
  });

  describe('strict schema mode', () => {
    it('validates every request with xmllint and catches what the built-in checks let through', async () => {
      sandbox.configure({ strictSchema: true });
      try {
        const valid = await call(soap(bodies.getFolder('inbox'), { as: 'alice@contoso.com' }));
        expect(responseCodes(valid)).toEqual(['NoError']);
        const bogusField =
          '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="folder:Bogus"/>' +
          '</t:AdditionalProperties></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>';
        const answer = await call(soap(bogusField, { as: 'alice@contoso.com' }));
        expect(faultCode(answer)).toBe('ErrorSchemaValidation');
        expect(texts(answer.xml, 'Violation')[0]).toMatch(/folder:Bogus/);
      } finally {
        sandbox.configure({ strictSchema: false });
      }
    });
  });

  it('every well-formed request these tests built without meaning to break the schema is valid EWS', async () => {
    const meantValid = sent.filter(
      (x) =>
        !/inbox1|<m:FolderIds\/>|<m:ItemIds\/>|RequestServerVersoin|Exchange2019|GetOofSettings|soap-envelope"|DOCTYPE|folder:Bogus|<s:Body>$|request-public-dl|<t:PrimarySmtpAddress> <\//.test(
          x,
        ) && !x.includes('TheDistributionList'),
    );
    expect(meantValid.length).toBeGreaterThan(15);
    const results = await validateEwsRequests(meantValid);
    const failures = results.flatMap((r, i) =>
      r.valid ? [] : [{ request: meantValid[i], errors: r.errors }],
    );
    expect(failures).toEqual([]);
  });
});
