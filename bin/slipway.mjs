#!/usr/bin/env node
// `slipway` as installed by npm (npx slipway, npm install -g): runs the built CLI bundle.
try {
  await import('../dist/apps/cli/main.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/apps/cli/main.js')) {
    process.stderr.write('slipway: the CLI is not built yet; run `npm run build` in the Slipway checkout\n');
    process.exit(3);
  }
  throw error;
}
