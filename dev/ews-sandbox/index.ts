/** The EWS sandbox: an Exchange stand-in for development and tests. See README.md beside this file. */
export { startEwsSandbox } from './ewsSandbox';
export type {
  CalendarEventSnapshot,
  EwsSandbox,
  EwsSandboxOptions,
  MailboxSnapshot,
  SandboxRequestLogEntry,
} from './ewsSandbox';
export { DEFAULT_KNOBS, FAULT_KINDS } from './knobs';
export type { FaultKind, FaultSpec, SandboxKnobs } from './knobs';
export { SeedError, loadSeedFile, validateSeed } from './seed';
export type {
  SandboxSeed,
  SeedApp,
  SeedCalendarEvent,
  SeedGroup,
  SeedMailbox,
  SeedServiceAccount,
  SeedImpersonationScope,
} from './seed';
export {
  generateTenant,
  generatedAddress,
  GENERATED_APP_CLIENT_ID,
  GENERATED_SERVICE_ACCOUNT,
} from './generateTenant';
export type { GenerateTenantOptions } from './generateTenant';
export { DEFAULT_AUDIENCES, REQUIRED_ROLE } from './auth';
export type { SandboxOAuthOptions } from './auth';
export { EwsSchemaValidator, findSchemaDir } from './schemaValidation';
export type { SchemaCheck } from './schemaValidation';
