/**
 * Moved to shared/transport/authorization.ts (issue 13: credentials are the transport's, for EWS and
 * Graph alike). Kept as a re-export only while cli/main.ts (owned by parallel work) imports it from here;
 * delete once it imports shared/transport/authorization directly.
 */
export { isTokenEndpointNetworkFailure } from '../transport/authorization';
