/**
 * Exit codes for @azure/identity's own errors when they reach the CLI as they are (a credential that is not
 * the EWS or Graph client's, e.g. Key Vault's): a token endpoint that could not be reached is transient
 * (4), a credential the endpoint refused is configuration (2). The errors are @azure/identity's own classes,
 * with the messages it gives (measured against a closed loopback port).
 */
import { AuthenticationError, CredentialUnavailableError } from '@azure/identity';
import { exitCodeFor } from '../../../cli/main';
import { EXIT } from '../../../cli/cliContext';

describe('exitCodeFor with @azure/identity errors', () => {
  it('an unreachable token endpoint exits 4 and says so, naming the authority host settings', () => {
    const unreachable = new CredentialUnavailableError(
      'endpoints_resolution_error: See https://aka.ms/msal.js.errors#endpoints_resolution_error for details',
    );
    expect(exitCodeFor(unreachable)).toEqual({
      code: EXIT.gaveUp,
      message:
        'the token endpoint could not be reached (endpoints_resolution_error: See https://aka.ms/msal.js.errors#endpoints_resolution_error for details): ' +
        'check EWS_AUTHORITY_HOST (or AZURE_AUTHORITY_HOST) and that this machine can reach it; nothing was sent to the mailbox server',
    });
  });

  it('a refused client secret exits 2 as a configuration error, on one line', () => {
    const refused = new AuthenticationError(401, {
      error: 'invalid_client',
      error_description: 'AADSTS7000215: Invalid client secret provided.\nTrace ID: 1',
    });
    const { code, message } = exitCodeFor(refused);
    expect(code).toBe(EXIT.usage);
    expect(message).toBe('the OAuth credential was refused: invalid_client Status code: 401');
  });
});
