/**
 * The security posture the deployment promises, as checks over the compiled ARM template. Each
 * check returns the violations it finds, in words an operator would understand; an empty list
 * means the template keeps every promise. Kept apart from the test so the test can also show that
 * each check catches a template that breaks it.
 */
import {
  Json,
  JsonObject,
  LocatedResource,
  flatten,
  inlineVariables,
  isObject,
  ofType,
  propertiesOf,
  text,
  resolve,
} from './armTemplate';
import { isSettingName, settingDefinition } from '../../shared/platform/settings';

/** Built-in role definitions the app's identity must hold, and where. */
export const REQUIRED_ROLES = [
  {
    role: 'Storage Blob Data Owner',
    id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    scope: 'Microsoft.Storage/storageAccounts',
  },
  {
    role: 'Storage Queue Data Contributor',
    id: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
    scope: 'Microsoft.Storage/storageAccounts',
  },
  {
    role: 'Storage Table Data Contributor',
    id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    scope: 'Microsoft.Storage/storageAccounts',
  },
  {
    role: 'Monitoring Metrics Publisher',
    id: '3913510d-42f4-4e42-8a64-420c390055eb',
    scope: 'Microsoft.Insights/components',
  },
  {
    role: 'Key Vault Secrets User',
    id: '4633458b-17de-408a-b874-0445c86b69e6',
    scope: 'Microsoft.KeyVault/vaults',
  },
] as const;

/** Settings the app reads (docs/settings.md) that every deployment sets, from a parameter or by the template. */
export const REQUIRED_APP_SETTINGS = [
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'AZURE_CLIENT_ID',
  'KEY_VAULT_URI',
  'TASKHUB_NAME',
  'MAILBOX_BACKEND',
  'EWS_URL',
  'EWS_AUTH',
  'EWS_TENANT_ID',
  'EWS_CLIENT_ID',
  'EWS_SERVER_VERSION',
  'EWS_TIMEOUT_MS',
  'MAILBOX_SCOPE',
  'MAILBOX_SCOPE_GROUP',
  'ARCHIVE_SWEEP_SCHEDULE',
  'ARCHIVE_OLDER_THAN_DAYS',
  'ARCHIVE_FOLDERS',
  'SWEEP_BATCH_SIZE',
  'SWEEP_MAX_BATCHES_IN_FLIGHT',
  'ARCHIVE_MAX_ITEMS_PER_RUN',
] as const;

/** Words that, in a setting or output name, mean it holds a secret: those live in Key Vault only. */
const SECRET_WORDS = new Set([
  'secret',
  'secrets',
  'password',
  'passwd',
  'pwd',
  'token',
  'tokens',
  'apikey',
  'sas',
]);

export function looksLikeSecretName(name: string): boolean {
  const words = name.toLowerCase().split(/[^a-z0-9]+/);
  return words.some((w) => SECRET_WORDS.has(w)) || /secret|password|apikey|accountkey|privatekey/i.test(name);
}
/** The catalogue knows which settings are secrets; a name it does not know is judged by its words. */
export function isSecretSetting(name: string): boolean {
  return isSettingName(name) ? settingDefinition(name).secret !== undefined : looksLikeSecretName(name);
}

/** Values that are, or carry, a credential. */
const SECRET_VALUE_PATTERNS: [RegExp, string][] = [
  [/AccountKey=/i, 'a storage account key'],
  [/SharedAccessSignature|[?&]sig=/i, 'a shared access signature'],
  [/SharedAccessKey=/i, 'a shared access key'],
  [/(password|pwd)\s*=/i, 'a password'],
  [/client_?secret/i, 'a client secret'],
  [/listKeys\(|listSecrets\(|listCredentials\(/i, 'keys listed at deployment'],
  [/-----BEGIN/, 'a PEM key or certificate'],
];

const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\(/;

/** Context shared by the checks: the flattened template and the identity's name expression. */
interface Context {
  main: JsonObject;
  resources: LocatedResource[];
  identityName: Json | undefined;
}

function one(ctx: Context, type: string, violations: string[]): LocatedResource | undefined {
  const found = ofType(ctx.resources, type);
  if (found.length !== 1) {
    violations.push(`expected exactly one ${type}, found ${found.length}`);
    return undefined;
  }
  return found[0];
}

/**
 * The module parameter naming the user-assigned identity in an ARM expression: `resourceId(...
 * userAssignedIdentities, parameters('p'))`, or in a languageVersion 2.0 template `reference('sym')`
 * of an existing identity resource named `parameters('p')`.
 */
function identityParamIn(expression: string, template: JsonObject): string | undefined {
  const direct =
    /resourceId\('Microsoft\.ManagedIdentity\/userAssignedIdentities', parameters\('([^']+)'\)\)/.exec(
      expression,
    )?.[1];
  if (direct) return direct;
  const symbol = /reference\('([^']+)'\)/.exec(expression)?.[1];
  const declared =
    symbol !== undefined && isObject(template.resources) ? template.resources[symbol] : undefined;
  if (!isObject(declared) || !/userAssignedIdentities$/i.test(text(declared.type))) return undefined;
  return /^\[parameters\('([^']+)'\)\]$/.exec(text(declared.name))?.[1];
}

/** True when `expression` (in `located`'s module) names the app's user-assigned identity. */
function refersToAppIdentity(ctx: Context, located: LocatedResource, expression: Json | undefined): boolean {
  if (typeof expression !== 'string') return false;
  const param = identityParamIn(expression, located.template);
  if (!param) return false;
  const passed = located.module === '' ? undefined : located.moduleParams[param];
  return passed !== undefined && JSON.stringify(passed) === JSON.stringify(ctx.identityName);
}

function checkStorage(ctx: Context, v: string[]): void {
  const storage = one(ctx, 'Microsoft.Storage/storageAccounts', v);
  if (!storage) return;
  const p = propertiesOf(storage);
  if (storage.resource.kind !== 'StorageV2') v.push('storage: kind must be StorageV2');
  if (p.allowSharedKeyAccess !== false)
    v.push('storage: shared key access must be off (allowSharedKeyAccess false)');
  if (p.minimumTlsVersion !== 'TLS1_2') v.push('storage: minimum TLS version must be TLS1_2');
  if (p.allowBlobPublicAccess !== false)
    v.push('storage: public blob access must be off (allowBlobPublicAccess false)');
  if (p.supportsHttpsTrafficOnly !== true) v.push('storage: must accept HTTPS only');

  const containers = ofType(ctx.resources, 'Microsoft.Storage/storageAccounts/blobServices/containers');
  for (const container of containers) {
    const access = propertiesOf(container).publicAccess;
    if (access !== undefined && access !== 'None')
      v.push(`storage: container ${text(container.resource.name)} is public`);
  }
  const containerNames = containers.map((c) => {
    const param = /parameters\('([^']+)'\)\)\]$/.exec(text(c.resource.name))?.[1];
    const passed = param ? c.moduleParams[param] : undefined;
    return typeof passed === 'string' ? inlineVariables(passed, ctx.main) : '';
  });
  if (!containerNames.some((n) => n === "['reports']")) v.push('storage: the reports container is missing');
  if (containerNames.length < 2) v.push('storage: the deployment package container is missing');
}

/** The change journal's container: write once (a retention policy with appends only), never deleted by the app. */
function checkJournal(ctx: Context, v: string[]): void {
  const policies = ofType(
    ctx.resources,
    'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies',
  );
  const policy = policies.find((p) => /parameters\('journalContainerName'\)/.test(text(p.resource.name)));
  if (!policy) {
    v.push('journal: the journal container has no time-based immutability policy');
    return;
  }
  const p = propertiesOf(policy);
  const days = resolve(policy, p.immutabilityPeriodSinceCreationInDays, ctx.main);
  if (typeof days !== 'number' || days < 1)
    v.push(`journal: the immutability policy keeps blobs ${text(days)} days, not a positive number`);
  if (p.allowProtectedAppendWrites !== true)
    v.push('journal: the immutability policy must allow protected append writes (the app appends lines)');
  if (p.allowProtectedAppendWritesAll === true)
    v.push(
      'journal: the immutability policy must not allow appending to block blobs (allowProtectedAppendWritesAll)',
    );
  const journalName = text(policy.moduleParams.journalContainerName);

  const owner = ofType(ctx.resources, 'Microsoft.Authorization/roleAssignments').find((a) =>
    text(propertiesOf(a).roleDefinitionId).includes('storageBlobDataOwner'),
  );
  const variables = isObject(owner?.template.variables) ? owner.template.variables : {};
  const conditionRef = /^\[variables\('([^']+)'\)\]$/.exec(text(owner && propertiesOf(owner).condition))?.[1];
  const condition = conditionRef ? text(variables[conditionRef]) : '';
  const denied = JSON.stringify(variables.journalProtectedActions ?? []);
  if (
    !owner ||
    propertiesOf(owner).conditionVersion !== '2.0' ||
    !/StringNotEquals ''\{1\}''/.test(condition) ||
    !condition.includes("parameters('journalContainerName')") ||
    !denied.includes('containers/blobs/delete"') ||
    text(owner.moduleParams.journalContainerName) !== journalName
  ) {
    v.push(
      'journal: the Storage Blob Data Owner assignment must carry a condition denying blob deletes in the journal container',
    );
  }
  const settings = ofType(ctx.resources, 'Microsoft.Web/sites/config')[0];
  if (settings && text(propertiesOf(settings).JOURNAL_CONTAINER) !== "[parameters('journalContainerName')]")
    v.push('journal: JOURNAL_CONTAINER must name the journal container');
  else if (settings && text(settings.moduleParams.journalContainerName) !== journalName)
    v.push('journal: JOURNAL_CONTAINER must name the journal container');
}

function checkKeyVault(ctx: Context, v: string[]): void {
  const vault = one(ctx, 'Microsoft.KeyVault/vaults', v);
  if (!vault) return;
  const p = propertiesOf(vault);
  if (p.enableRbacAuthorization !== true)
    v.push('key vault: RBAC authorization must be on (enableRbacAuthorization)');
  if (p.enableSoftDelete !== true) v.push('key vault: soft delete must be on');
  if (p.enablePurgeProtection !== true) v.push('key vault: purge protection must be on');
  if (Array.isArray(p.accessPolicies) && p.accessPolicies.length > 0)
    v.push('key vault: no access policies with RBAC');
  const retention = resolve(vault, p.softDeleteRetentionInDays, ctx.main);
  if (typeof retention !== 'number' || retention < 7)
    v.push('key vault: soft delete retention must be 7 days or more');
}

function checkMonitoring(ctx: Context, v: string[]): void {
  const insights = one(ctx, 'Microsoft.Insights/components', v);
  if (insights && propertiesOf(insights).DisableLocalAuth !== true) {
    v.push('application insights: local auth must be off (DisableLocalAuth true)');
  }
  const workspace = one(ctx, 'Microsoft.OperationalInsights/workspaces', v);
  if (workspace) {
    const features = propertiesOf(workspace).features;
    if (!isObject(features) || features.disableLocalAuth !== true)
      v.push('log analytics: local auth must be off');
  }
}

function checkRoleAssignments(ctx: Context, v: string[]): void {
  const assignments = ofType(ctx.resources, 'Microsoft.Authorization/roleAssignments');
  for (const expected of REQUIRED_ROLES) {
    const matching = assignments.filter((a) =>
      inlineVariables(text(propertiesOf(a).roleDefinitionId), a.template).includes(expected.id),
    );
    if (matching.length !== 1) {
      v.push(`role ${expected.role} (${expected.id}): expected one assignment, found ${matching.length}`);
      continue;
    }
    const assignment = matching[0]!;
    const p = propertiesOf(assignment);
    if (p.principalType !== 'ServicePrincipal')
      v.push(`role ${expected.role}: principalType must be ServicePrincipal`);
    const principal = text(p.principalId);
    if (!principal.endsWith('.principalId]') || !refersToAppIdentity(ctx, assignment, principal)) {
      v.push(`role ${expected.role}: must be granted to the app's user-assigned identity`);
    }
    if (!text(assignment.resource.scope).includes(`resourceId('${expected.scope}'`)) {
      v.push(`role ${expected.role}: must be scoped to the ${expected.scope} resource`);
    }
    if (!text(assignment.resource.name).startsWith('[guid('))
      v.push(`role ${expected.role}: name must come from guid()`);
  }
  for (const a of assignments) {
    const id = inlineVariables(text(propertiesOf(a).roleDefinitionId), a.template);
    if (!REQUIRED_ROLES.some((r) => id.includes(r.id))) v.push(`unexpected role assignment: ${id}`);
  }
}

function checkFunctionApp(ctx: Context, v: string[]): LocatedResource | undefined {
  const plan = one(ctx, 'Microsoft.Web/serverfarms', v);
  if (plan) {
    const sku = plan.resource.sku;
    if (!isObject(sku) || sku.name !== 'FC1' || sku.tier !== 'FlexConsumption')
      v.push('plan: must be Flex Consumption (FC1)');
  }
  const site = one(ctx, 'Microsoft.Web/sites', v);
  if (!site) return undefined;
  const identity = site.resource.identity;
  const assigned =
    isObject(identity) && isObject(identity.userAssignedIdentities) ? identity.userAssignedIdentities : {};
  if (!isObject(identity) || identity.type !== 'UserAssigned') {
    v.push('function app: identity type must be UserAssigned');
  }
  const keys = Object.keys(assigned);
  if (keys.length !== 1 || !refersToAppIdentity(ctx, site, keys[0])) {
    v.push('function app: must run as the user-assigned identity (and only it)');
  }
  const p = propertiesOf(site);
  if (p.httpsOnly !== true) v.push('function app: httpsOnly must be true');
  const config = isObject(p.functionAppConfig) ? p.functionAppConfig : {};
  const runtime = isObject(config.runtime) ? config.runtime : {};
  if (runtime.name !== 'node' || resolve(site, runtime.version, ctx.main) !== '22') {
    v.push('function app: runtime must be node 22');
  }
  const deployment =
    isObject(config.deployment) && isObject(config.deployment.storage) ? config.deployment.storage : {};
  const auth = isObject(deployment.authentication) ? deployment.authentication : {};
  if (
    auth.type !== 'UserAssignedIdentity' ||
    !refersToAppIdentity(ctx, site, auth.userAssignedIdentityResourceId)
  ) {
    v.push('function app: deployment storage must use the user-assigned identity');
  }
  const scale = isObject(config.scaleAndConcurrency) ? config.scaleAndConcurrency : {};
  const alwaysReady = Array.isArray(scale.alwaysReady) ? scale.alwaysReady.filter(isObject) : [];
  const durable = alwaysReady.find((a) => a.name === 'durable');
  if (!durable || resolve(site, durable.instanceCount, ctx.main) !== 1) {
    v.push('function app: one always-ready instance for the durable group');
  }
  return site;
}

function checkAppSettings(ctx: Context, v: string[]): void {
  const configs = ofType(ctx.resources, 'Microsoft.Web/sites/config').filter((c) =>
    text(c.resource.name).includes("'appsettings'"),
  );
  if (configs.length !== 1) {
    v.push(`app settings: expected one appsettings resource, found ${configs.length}`);
    return;
  }
  const located = configs[0]!;
  const settings = located.resource.properties;
  if (!isObject(settings)) {
    v.push('app settings: must be a literal object so each setting can be checked');
    return;
  }
  for (const name of REQUIRED_APP_SETTINGS) {
    if (!(name in settings)) v.push(`app settings: ${name} is missing`);
  }
  if ('AzureWebJobsStorage' in settings)
    v.push('app settings: AzureWebJobsStorage must be identity-based, not a connection string');
  if (settings.AzureWebJobsStorage__credential !== 'managedidentity') {
    v.push('app settings: AzureWebJobsStorage__credential must be managedidentity');
  }
  if (!refersToAppIdentity(ctx, located, settings.AzureWebJobsStorage__clientId)) {
    v.push("app settings: AzureWebJobsStorage__clientId must be the user-assigned identity's client id");
  }
  if (!refersToAppIdentity(ctx, located, settings.AZURE_CLIENT_ID)) {
    v.push("app settings: AZURE_CLIENT_ID must be the user-assigned identity's client id");
  }
  const aiAuth = text(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING);
  if (
    !aiAuth.includes('ClientId=') ||
    !aiAuth.includes('Authorization=AAD') ||
    !refersToAppIdentity(ctx, located, aiAuth)
  ) {
    v.push(
      'app settings: APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be ClientId=<identity>;Authorization=AAD',
    );
  }
  for (const [name, raw] of Object.entries(settings)) {
    const value = resolve(located, raw, ctx.main);
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    // The catalogue knows which settings are secrets; a name it does not know is judged by its words.
    const secret = isSettingName(name)
      ? settingDefinition(name).secret !== undefined
      : looksLikeSecretName(name);
    if (secret && !KEY_VAULT_REFERENCE.test(text)) {
      v.push(`app settings: ${name} looks like a secret; secrets live in Key Vault only`);
    }
    for (const [pattern, what] of SECRET_VALUE_PATTERNS) {
      if (pattern.test(text)) v.push(`app settings: ${name} carries ${what}`);
    }
  }
}

function checkParametersAndOutputs(ctx: Context, v: string[]): void {
  const params = isObject(ctx.main.parameters) ? ctx.main.parameters : {};
  for (const [name, declared] of Object.entries(params)) {
    if (isObject(declared) && /^secure/i.test(text(declared.type))) {
      v.push(`parameter ${name}: secrets are not deployment parameters (set them in Key Vault)`);
    }
  }
  const outputs = isObject(ctx.main.outputs) ? ctx.main.outputs : {};
  for (const name of Object.keys(outputs)) {
    if (looksLikeSecretName(name)) v.push(`output ${name} looks like a secret`);
  }
  const whole = JSON.stringify(ctx.main);
  if (/listKeys\(|listSecrets\(|listCredentials\(/i.test(whole))
    v.push('template: lists keys or secrets at deployment');
  if (/AccountKey=/i.test(whole)) v.push('template: builds a storage connection string with an account key');
}

/** All violations of the promised posture in a compiled template; empty when it keeps them all. */
export function checkPosture(template: JsonObject): string[] {
  const resources = flatten(template);
  const identities = ofType(resources, 'Microsoft.ManagedIdentity/userAssignedIdentities');
  const v: string[] = [];
  if (identities.length !== 1) v.push(`expected one user-assigned identity, found ${identities.length}`);
  const identity = identities[0];
  // The identity's name as main passes it to its module: every other module must be given the same.
  const identityName =
    identity === undefined
      ? undefined
      : identity.module === ''
        ? identity.resource.name
        : identity.moduleParams[/parameters\('([^']+)'\)/.exec(text(identity.resource.name))?.[1] ?? ''];
  const ctx: Context = { main: template, resources, identityName };
  checkStorage(ctx, v);
  checkJournal(ctx, v);
  checkKeyVault(ctx, v);
  checkMonitoring(ctx, v);
  checkRoleAssignments(ctx, v);
  checkFunctionApp(ctx, v);
  checkAppSettings(ctx, v);
  checkParametersAndOutputs(ctx, v);
  return v;
}
