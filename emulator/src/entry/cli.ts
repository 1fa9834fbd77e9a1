/**
 * Entry point for the CLI: `rapki emulator`, the emulator and the reading of its command-line
 * flags (kept out of `rapki/emulator`, the published API, which has no flags).
 */
export { startEmulator } from '../index.js';
export { emulatorOptionsFromFlags } from '../cli-options.js';
