#!/usr/bin/env node
// `npx azura …` (package.json `bin`): runs cli/main.ts through tsx, as `npm start` runs local/main.ts.
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
register();
const { run } = await import('./main.ts');
const { processIo } = await import('./output.ts');
process.exitCode = await run(process.argv.slice(2), processIo());
