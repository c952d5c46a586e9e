// The `swarm-overlay` command: loads the CLI bundle (dist/cli-main.js, from src/cli.ts) through V8's code
// cache, which saves most of its compile time on every start after the first (see core/codeCache.ts).
import * as path from 'node:path';
import { cliCacheDir, loadWithCodeCache } from '../core/codeCache';

loadWithCodeCache(path.join(__dirname, 'cli-main.js'), cliCacheDir(), { exit: true });
