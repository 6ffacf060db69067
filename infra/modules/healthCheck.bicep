// The app's health check: Flex Consumption does not run the App Service health check
// (siteConfig.healthCheckPath), so an Application Insights standard availability test calls the
// anonymous GET /api/health from three regions every five minutes; failures show in Availability.
@description('Name of the availability test.')
param name string

@description('Azure region.')
param location string

@description('Tags for the resource (the test also gets the hidden link to its component).')
param tags object

@description('Application Insights component the results go to.')
param applicationInsightsName string

@description('URL of the health route, e.g. https://func-x.azurewebsites.net/api/health.')
param healthUrl string

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource availabilityTest 'Microsoft.Insights/webtests@2022-06-15' = {
  name: name
  location: location
  // The portal lists a test under its component only with this tag.
  tags: union(tags, { 'hidden-link:${applicationInsights.id}': 'Resource' })
  kind: 'standard'
  properties: {
    SyntheticMonitorId: name
    Name: 'GET /api/health'
    Description: 'The app answers its health route (version, back end, Key Vault and endpoint reachability).'
    Enabled: true
    Frequency: 300
    Timeout: 30
    Kind: 'standard'
    RetryEnabled: true
    Locations: [
      { Id: 'emea-nl-ams-azr' }
      { Id: 'us-va-ash-azr' }
      { Id: 'apac-sg-sin-azr' }
    ]
    Request: {
      RequestUrl: healthUrl
      HttpVerb: 'GET'
      ParseDependentRequests: false
    }
    ValidationRules: {
      ExpectedHttpStatusCode: 200
      SSLCheck: true
      SSLCertRemainingLifetimeCheck: 7
    }
  }
}

output id string = availabilityTest.id
