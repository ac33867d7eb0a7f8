/**
 * Test helper process for child-registry.openocd.test.ts: starts OpenOCD, prints its pid, then
 * ends the way argv[2] says ("exit": process.exit(3) once a line arrives on stdin; "signal":
 * wait for SIGTERM). The registry must kill OpenOCD either way.
 */
import { startOpenOcdWithoutTarget } from '../test-support.js';

const mode = process.argv[2];
const openocd = await startOpenOcdWithoutTarget();
process.stdout.write(`openocd-pid ${openocd.pid}\n`);
if (mode === 'exit') process.stdin.once('data', () => process.exit(3));
// Keep the event loop alive until told to exit or signalled.
setInterval(() => undefined, 1000);
