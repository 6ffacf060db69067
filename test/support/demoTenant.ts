/**
 * The demo tenant (dev/seeds/demo-tenant.json) as the sandbox tests use it: the seed, its service account
 * and a sandbox started on it. The account is read from the seed, so a change to the seed reaches every
 * test instead of leaving copies of the old password behind.
 */
import {
  loadSeedFile,
  startEwsSandbox,
  type EwsSandbox,
  type EwsSandboxOptions,
  type SandboxSeed,
  type SeedServiceAccount,
} from '../../dev/ews-sandbox';
import { demoSeedPath } from '../../dev/seeds/demoSeedPath';
import { basic, type Credentials } from './sandboxSoap';

export const DEMO_SEED_FILE = demoSeedPath();

/** The demo seed, parsed and checked (a broken seed fails here, naming every problem). */
export const demoSeed: SandboxSeed = loadSeedFile(DEMO_SEED_FILE);

function firstServiceAccount(seed: SandboxSeed): SeedServiceAccount {
  const account = seed.serviceAccounts?.[0];
  if (!account) throw new Error(`${DEMO_SEED_FILE} has no service account`);
  return account;
}

/** svc-mailbox@contoso.com: may impersonate every contoso.com mailbox. */
export const DEMO_SERVICE_ACCOUNT: SeedServiceAccount = firstServiceAccount(demoSeed);

/** Basic credentials of the demo service account, as sandboxSoap's post() takes them. */
export const demoServiceCredentials: Credentials = basic(
  DEMO_SERVICE_ACCOUNT.username,
  DEMO_SERVICE_ACCOUNT.password,
);

/** The EWS sandbox on the demo tenant; `options` as startEwsSandbox takes them (knobs, randomSeed, ...). */
export function startDemoSandbox(options: Omit<EwsSandboxOptions, 'seed'> = {}): Promise<EwsSandbox> {
  return startEwsSandbox({ ...options, seed: DEMO_SEED_FILE });
}

/** The settings that point the app at a sandbox as the demo service account (basic authentication). */
export function demoEwsSettings(sandbox: Pick<EwsSandbox, 'url'>): Record<string, string> {
  return {
    EWS_URL: sandbox.url,
    EWS_AUTH: 'basic',
    EWS_USERNAME: DEMO_SERVICE_ACCOUNT.username,
    EWS_PASSWORD: DEMO_SERVICE_ACCOUNT.password,
  };
}
