// Bundles the extension and the CLI (node/cjs). `tsc --noEmit` does the type checking.
import * as esbuild from 'esbuild';
import { chmodSync } from 'node:fs';

const production = process.argv.includes('--production');

// dockerode's BuildKit code (buildImage with version 2: its session and progress decoding) pulls in
// @grpc/grpc-js, @grpc/proto-loader and protobufjs: about 100 ms of load time on every start for code
// this extension never runs. Both modules are replaced by one that says so, should anything call it.
const noBuildKit = {
  name: 'no-buildkit',
  setup(build) {
    build.onResolve({ filter: /^\.\/(session|buildkit)$/ }, (args) =>
      /[\\/]dockerode[\\/]lib$/.test(args.resolveDir) ? { path: args.path, namespace: 'no-buildkit' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'no-buildkit' }, () => ({
      contents:
        "const no = () => { throw new Error('BuildKit is not part of Swarm Overlay'); }; module.exports = no; module.exports.followProgress = no;",
      loader: 'js',
    }));
  },
};
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // ssh2's native addons are optional: without them it uses its pure-JS crypto.
  external: ['vscode', 'cpu-features', './crypto/build/Release/sshcrypto.node'],
  plugins: [noBuildKit],
};

await Promise.all([
  // The extension bundle stays small; the core (ssh2, dockerode) is its own bundle, loaded on first use.
  esbuild.build({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' }),
  esbuild.build({ ...common, entryPoints: ['src/core/index.ts'], outfile: 'dist/core.js' }),
  // The matrix webview: its own browser bundle, toolkit included.
  esbuild.build({
    entryPoints: ['webview-ui/matrix.ts'],
    outfile: 'dist/webview/matrix.js',
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: production,
    sourcemap: !production,
    logLevel: 'warning',
  }),
  esbuild.build({
    ...common,
    entryPoints: ['src/cli.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  }),
]);
chmodSync('dist/cli.js', 0o755);
