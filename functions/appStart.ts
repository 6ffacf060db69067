/**
 * Checks the app's settings once, when the worker loads the function modules: every setting that is set
 * must parse, and settings that need another must have it (MAILBOX_SCOPE_GROUP ⇒ EWS_SERVICE_MAILBOX,
 * MAILBOX_BACKEND=graph ⇒ EWS_AUTH=oauth, a HiBob webhook secret ⇒ the HiBob service user, …; the list
 * is the `requires` of shared/platform/settings.ts). A problem stops the app at start with a message naming
 * both settings, instead of every sweep or leave failing later.
 *
 * A module-level check rather than `app.hook.appStart`: the Functions host loads every module in
 * dist/functions at start, and so does the dev host, whose functions-core stand-in ignores hooks.
 */
import { checkSettingsAtStart } from '../shared/platform/config';

checkSettingsAtStart(process.env);
