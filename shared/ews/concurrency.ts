/**
 * Moved to shared/transport/concurrency.ts (issue 13: what EWS and Graph share is the transport's).
 * Kept as a re-export only while modules owned by parallel work (the sweep, the CLI, the retry loop)
 * still import it from here; delete once they import shared/transport/concurrency directly.
 */
export * from '../transport/concurrency';
