/**
 * Validates EWS request envelopes against Microsoft's schema in test/fixtures/ews-schema, in one
 * xmllint-wasm run for the whole batch (compiling the schema costs ~0.4 s per run, whatever the count).
 * Each document is checked whole, then its Body payload and each SOAP header element alone.
 */
import { EwsSchemaValidator } from '../../dev/ews-sandbox/schemaValidation';

let shared: EwsSchemaValidator | undefined;

export interface RequestValidation {
  valid: boolean;
  errors: string[];
}

export async function validateEwsRequests(xmlDocs: string[]): Promise<RequestValidation[]> {
  shared ??= new EwsSchemaValidator();
  const results = await shared.validateBatch(xmlDocs);
  return results.map(({ valid, errors }) => ({ valid, errors }));
}
