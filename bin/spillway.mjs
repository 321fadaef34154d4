#!/usr/bin/env node
// `npx spillway <command>`: the command-line entry of the local stack and the operator tools. It runs the
// TypeScript sources directly (through tsx), so nothing needs building first.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../local/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
