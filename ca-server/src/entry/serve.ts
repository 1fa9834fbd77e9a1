/**
 * Entry point for the CLI: `rapki ca serve`, the whole CA server (HTTPS API, console, sync,
 * rotation), and the duration grammar its flags share with the API. Load it lazily.
 */
export { startCaServer } from '../serve.js';
export { parseDurationSeconds } from '../authority/durations.js';
