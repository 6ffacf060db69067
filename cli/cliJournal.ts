/**
 * The change journal for the CLI's changing commands (`oof set`, `oof disable`, `archive run`, `sweep
 * archive`): the journal the function app writes (shared/journal/changeJournal.ts, made from the same
 * storage settings as shared/app/appServices.ts makes it, and as `audit journal` reads it), so that
 * "what changed in my mailbox" has one answer whoever made the change. Dry runs and reads journal nothing.
 *
 * The trigger names the operator (the OS user running the command) and the command's words, never its
 * arguments: those hold reply texts. Each run is its own instance, `cli-<uuid>`.
 *
 * As in the app, journaling never stops a change: with no storage configured (the usual case on an
 * administrator's machine) the changes are made and one warning line on stderr says they were not
 * journaled; with storage that fails, each change not journaled gets its line.
 */
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { createChangeJournal, NO_JOURNAL_STORAGE } from '../shared/journal/changeJournal';
import type { Journaling } from '../shared/journal/recordChange';
import { loadJournalStorage } from '../shared/platform/config';
import type { CliContext } from './cliContext';

/**
 * The operator's user name as the OS knows the account running the command (not the shell's USER, which
 * anyone can set); `uid <n>` for a container user with no passwd entry (os.userInfo throws then).
 */
export function operatorName(): string {
  try {
    const name = userInfo().username;
    if (name) return name;
  } catch {
    // SystemError ENOENT: no passwd entry for this uid.
  }
  return typeof process.getuid === 'function' ? `uid ${process.getuid()}` : 'unknown';
}

/**
 * The journaling of one run of `command`. Call it after the arguments are checked and before the first
 * change: a bad JOURNAL_CONTAINER or storage account name is a ConfigError then, and nothing is sent.
 */
export function cliJournaling(
  ctx: CliContext,
  command: string,
  sweepId?: string,
  now: () => Date = () => new Date(),
): Journaling {
  const storage = loadJournalStorage(ctx.env);
  let warned = false;
  return {
    journal: createChangeJournal(storage, now),
    log: {
      warn: (text) => {
        if (storage) {
          ctx.stderr(`mailbox-automation: warning: ${text}\n`);
        } else if (!warned) {
          // Every line fails for the same reason: said once, after the first change, for all of them.
          warned = true;
          ctx.stderr(
            `mailbox-automation: warning: this command's changes are not journaled: ${NO_JOURNAL_STORAGE}\n`,
          );
        }
      },
    },
    instanceId: `cli-${randomUUID()}`,
    trigger: { kind: 'cli', user: operatorName(), command, ...(sweepId ? { sweepId } : {}) },
  };
}
