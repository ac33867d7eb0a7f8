#!/usr/bin/env node
// `hil` command (package.json "bin"): registers tsx's loader in this process and runs the CLI,
// so there is no build step and signals reach the CLI directly.
import { register } from 'tsx/esm/api';

register();
await import('../cli.ts');
