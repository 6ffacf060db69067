import path from 'node:path';
import {
  Json,
  JsonObject,
  LocatedResource,
  buildTemplate,
  flatten,
  isObject,
  ofType,
  propertiesOf,
  text,
  readJsonObject,
  repoRoot,
} from './armTemplate';
import {
  REQUIRED_APP_SETTINGS,
  REQUIRED_ROLES,
  checkPosture,
  isSecretSetting,
  looksLikeSecretName,
} from './posture';

let template: JsonObject;

beforeAll(() => {
  template = buildTemplate();
}, 300_000);

function copy(): JsonObject {
  return structuredClone(template);
}

function the(t: JsonObject, type: string): LocatedResource {
  const found = ofType(flatten(t), type);
  expect(found).toHaveLength(1);
  return found[0]!;
}

function appSettings(t: JsonObject): JsonObject {
  const located = ofType(flatten(t), 'Microsoft.Web/sites/config')[0]!;
  return located.resource.properties as JsonObject;
}

function roleAssignment(t: JsonObject, roleId: string): LocatedResource {
  const found = ofType(flatten(t), 'Microsoft.Authorization/roleAssignments').filter(
    (a) => JSON.stringify(a).includes(roleId) || JSON.stringify(a.template.variables ?? {}).includes(roleId),
  );
  const match = found.find((a) => {
    const id = text(propertiesOf(a).roleDefinitionId);
    const variable = /variables\('([^']+)'\)/.exec(id)?.[1];
    const variables = a.template.variables;
    return (
      id.includes(roleId) || (variable !== undefined && isObject(variables) && variables[variable] === roleId)
    );
  });
  if (!match) throw new Error(`no role assignment for ${roleId}`);
  return match;
}

describe('compiled infra/main.bicep', () => {
  it('keeps every promise of the security posture', () => {
    expect(checkPosture(template)).toEqual([]);
  });

  it('turns shared keys, public blobs and old TLS off on the storage account', () => {
    const p = propertiesOf(the(template, 'Microsoft.Storage/storageAccounts'));
    expect(p).toMatchObject({
      allowSharedKeyAccess: false,
      allowBlobPublicAccess: false,
      minimumTlsVersion: 'TLS1_2',
      supportsHttpsTrafficOnly: true,
    });
  });

  it('keeps secrets in a Key Vault with RBAC, soft delete and purge protection', () => {
    expect(propertiesOf(the(template, 'Microsoft.KeyVault/vaults'))).toMatchObject({
      enableRbacAuthorization: true,
      enableSoftDelete: true,
      enablePurgeProtection: true,
    });
  });

  it('accepts telemetry only with Entra ID (Application Insights local auth off)', () => {
    expect(propertiesOf(the(template, 'Microsoft.Insights/components')).DisableLocalAuth).toBe(true);
  });

  it.each(REQUIRED_ROLES.map((r) => [r.role, r.id, r.scope] as const))(
    'grants %s (%s) on the %s to the app identity as a service principal',
    (_role, id) => {
      const assignment = roleAssignment(template, id);
      const p = propertiesOf(assignment);
      expect(p.principalType).toBe('ServicePrincipal');
      expect(text(p.principalId)).toMatch(
        /^\[reference\(resourceId\('Microsoft\.ManagedIdentity\/userAssignedIdentities', parameters\('identityName'\)\).*\.principalId\]$/,
      );
    },
  );

  it('runs the app on Flex Consumption as the user-assigned identity, Node 22, one always-ready durable instance', () => {
    const site = the(template, 'Microsoft.Web/sites');
    expect(site.resource.identity).toMatchObject({ type: 'UserAssigned' });
    const config = propertiesOf(site).functionAppConfig as JsonObject;
    expect(config.runtime).toEqual({ name: 'node', version: "[parameters('nodeVersion')]" });
    expect(site.moduleParams.nodeVersion).toBe('22');
    expect(JSON.stringify(config.scaleAndConcurrency)).toContain('"name":"durable"');
    expect(site.moduleParams.durableAlwaysReadyInstances).toBe("[parameters('durableAlwaysReadyInstances')]");
    expect(the(template, 'Microsoft.Web/serverfarms').resource.sku).toEqual({
      tier: 'FlexConsumption',
      name: 'FC1',
    });
  });

  it('keeps the change journal write-once: a retention policy with appends only, no deletes for the app', () => {
    const policy = the(
      template,
      'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies',
    );
    expect(propertiesOf(policy)).toEqual({
      immutabilityPeriodSinceCreationInDays: "[parameters('journalRetentionDays')]",
      allowProtectedAppendWrites: true,
    });
    const retention = (template.parameters as JsonObject).journalRetentionDays as JsonObject;
    expect(retention).toMatchObject({ type: 'int', defaultValue: 400, minValue: 1 });
    const owner = propertiesOf(roleAssignment(template, 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'));
    expect(owner.conditionVersion).toBe('2.0');
    expect(appSettings(template).JOURNAL_CONTAINER).toBe("[parameters('journalContainerName')]");
    expect((template.outputs as JsonObject).JOURNAL_CONTAINER).toBeDefined();
  });

  it('gives the app every setting it reads, host storage by identity, and no secret', () => {
    const settings = appSettings(template);
    for (const name of REQUIRED_APP_SETTINGS) expect(settings).toHaveProperty([name]);
    expect(settings.AzureWebJobsStorage__credential).toBe('managedidentity');
    expect(settings).not.toHaveProperty(['AzureWebJobsStorage']);
    expect(Object.keys(settings).filter(isSecretSetting)).toEqual([]);
    expect(JSON.stringify(settings)).not.toMatch(/AccountKey=|SharedAccessSignature|password=/i);
  });

  it('passes no secret through the azd parameters file', () => {
    const parameters = readJsonObject(path.join(repoRoot, 'infra', 'main.parameters.json'))
      .parameters as JsonObject;
    const declared = template.parameters as JsonObject;
    for (const [name, entry] of Object.entries(parameters)) {
      expect(declared).toHaveProperty([name]);
      expect(looksLikeSecretName(name)).toBe(false);
      expect(JSON.stringify(entry)).not.toMatch(/AccountKey=|SharedAccessSignature|password=|secret/i);
    }
  });

  it('names the outputs azd and operators need', () => {
    expect(Object.keys(template.outputs as JsonObject)).toEqual(
      expect.arrayContaining([
        'AZURE_FUNCTION_APP_NAME',
        'FUNCTION_APP_URL',
        'KEY_VAULT_URI',
        'AZURE_CLIENT_ID',
      ]),
    );
  });
});

/** A template that breaks one promise, and the words the check must find. */
const mutations: [string, (t: JsonObject) => void, RegExp][] = [
  [
    'shared keys back on',
    (t) => (propertiesOf(the(t, 'Microsoft.Storage/storageAccounts')).allowSharedKeyAccess = true),
    /shared key access must be off/,
  ],
  [
    'TLS 1.0 allowed',
    (t) => (propertiesOf(the(t, 'Microsoft.Storage/storageAccounts')).minimumTlsVersion = 'TLS1_0'),
    /TLS1_2/,
  ],
  [
    'public blob access on',
    (t) => (propertiesOf(the(t, 'Microsoft.Storage/storageAccounts')).allowBlobPublicAccess = true),
    /public blob access must be off/,
  ],
  [
    'Key Vault with access policies instead of RBAC',
    (t) => (propertiesOf(the(t, 'Microsoft.KeyVault/vaults')).enableRbacAuthorization = false),
    /RBAC authorization must be on/,
  ],
  [
    'Key Vault without purge protection',
    (t) => delete propertiesOf(the(t, 'Microsoft.KeyVault/vaults')).enablePurgeProtection,
    /purge protection must be on/,
  ],
  [
    'Application Insights with local auth',
    (t) => (propertiesOf(the(t, 'Microsoft.Insights/components')).DisableLocalAuth = false),
    /local auth must be off/,
  ],
  [
    'Key Vault Secrets User assignment removed',
    (t) => {
      const a = roleAssignment(t, '4633458b-17de-408a-b874-0445c86b69e6');
      const list = a.template.resources as Json[];
      list.splice(list.indexOf(a.resource), 1);
    },
    /Key Vault Secrets User .*found 0/,
  ],
  [
    'Contributor granted instead of Storage Queue Data Contributor',
    (t) => {
      const a = roleAssignment(t, '974c5e8b-45b9-4653-ba55-5f855dd0fb88');
      propertiesOf(a).roleDefinitionId =
        "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b24988ac-6180-42a0-ab88-20f7382dd24c')]";
    },
    /unexpected role assignment/,
  ],
  [
    'a role granted to some other principal',
    (t) =>
      (propertiesOf(roleAssignment(t, 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b')).principalId =
        "[parameters('someoneElse')]"),
    /Storage Blob Data Owner: must be granted to the app's user-assigned identity/,
  ],
  [
    'a journal container without its immutability policy',
    (t) => {
      const policy = the(t, 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies');
      policy.resource.type = 'Microsoft.Storage/storageAccounts/blobServices/containers/legalHolds';
    },
    /journal: the journal container has no time-based immutability policy/,
  ],
  [
    'a journal policy that refuses appends',
    (t) =>
      (propertiesOf(
        the(t, 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies'),
      ).allowProtectedAppendWrites = false),
    /journal: the immutability policy must allow protected append writes/,
  ],
  [
    'a journal retention of 0 days',
    (t) => (((t.parameters as JsonObject).journalRetentionDays as JsonObject).defaultValue = 0),
    /journal: the immutability policy keeps blobs 0 days/,
  ],
  [
    'the app allowed to delete journal blobs',
    (t) => delete propertiesOf(roleAssignment(t, 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b')).condition,
    /journal: the Storage Blob Data Owner assignment must carry a condition denying blob deletes/,
  ],
  [
    'a role granted as a User',
    (t) => (propertiesOf(roleAssignment(t, '3913510d-42f4-4e42-8a64-420c390055eb')).principalType = 'User'),
    /Monitoring Metrics Publisher: principalType must be ServicePrincipal/,
  ],
  [
    'the app on a system-assigned identity',
    (t) => (the(t, 'Microsoft.Web/sites').resource.identity = { type: 'SystemAssigned' }),
    /identity type must be UserAssigned/,
  ],
  [
    'Node 20',
    (t) => {
      const module = ofType(flatten(t), 'Microsoft.Resources/deployments').find(
        (d) => d.resource.name === 'functionApp',
      );
      const params = (module!.resource.properties as JsonObject).parameters as JsonObject;
      params.nodeVersion = { value: '20' };
    },
    /runtime must be node 22/,
  ],
  [
    'host storage by connection string with an account key',
    (t) => {
      appSettings(t).AzureWebJobsStorage =
        'DefaultEndpointsProtocol=https;AccountName=st;AccountKey=bm90IGEgcmVhbCBrZXk=;EndpointSuffix=core.windows.net';
    },
    /AzureWebJobsStorage must be identity-based|AzureWebJobsStorage carries a storage account key/,
  ],
  [
    'an EWS client secret in the app settings',
    (t) => (appSettings(t).EWS_CLIENT_SECRET = 'not-a-real-secret'),
    /EWS_CLIENT_SECRET looks like a secret/,
  ],
  [
    'a SAS URL in a setting',
    (t) => (appSettings(t).REPORTS_URL = 'https://st.blob.core.windows.net/reports?sv=2022-11-02&sig=abc'),
    /REPORTS_URL carries a shared access signature/,
  ],
  [
    'host storage with a shared key credential',
    (t) => delete appSettings(t).AzureWebJobsStorage__credential,
    /AzureWebJobsStorage__credential must be managedidentity/,
  ],
  [
    'a secure parameter for a password',
    (t) => ((t.parameters as JsonObject).ewsPassword = { type: 'securestring' }),
    /parameter ewsPassword: secrets are not deployment parameters/,
  ],
];

describe('the posture checks catch a template that breaks a promise', () => {
  it.each(mutations)('%s', (_name, mutate, expected) => {
    const mutated = copy();
    mutate(mutated);
    const violations = checkPosture(mutated);
    expect(violations.some((v) => expected.test(v))).toBe(true);
    // The untouched template still passes: the mutation, not the copy, made the difference.
    expect(checkPosture(template)).toEqual([]);
  });
});
