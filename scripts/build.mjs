// Bundles the extension and the CLI (node/cjs). `tsc --noEmit` does the type checking.
import * as esbuild from 'esbuild';
import { chmodSync } from 'node:fs';

const production = process.argv.includes('--production');

// Code this extension never runs, replaced by a module that says so should anything call it:
// - dockerode's BuildKit code (buildImage with version 2) pulls in @grpc/grpc-js, @grpc/proto-loader and
//   protobufjs: about 100 ms of load time on every start;
// - ssh2's HTTP(S)-over-SSH agents and docker-modem's https (Docker over TLS): they load Node's https and
//   tls on every start (≈ 15 ms of a CLI start here), where this extension speaks HTTP over its own SSH
//   channels only.
const UNUSED = [
  {
    what: 'BuildKit',
    from: /[\\/]dockerode[\\/]lib$/,
    path: /^\.\/(session|buildkit)$/,
    exports: 'module.exports = no; module.exports.followProgress = no;',
  },
  {
    what: 'HTTP over SSH agents',
    from: /[\\/]ssh2[\\/]lib$/,
    path: /^\.\/http-agents\.js$/,
    exports: 'module.exports = { SSHTTPAgent: no, SSHTTPSAgent: no };',
  },
  {
    what: 'Docker over TLS',
    from: /[\\/]docker-modem[\\/]lib$/,
    path: /^https$/,
    exports: 'module.exports = { request: no, get: no, Agent: no };',
  },
];
const unused = {
  name: 'unused',
  setup(build) {
    build.onResolve({ filter: /^(\.\/(session|buildkit|http-agents\.js)|https)$/ }, (args) => {
      const i = UNUSED.findIndex((u) => u.from.test(args.resolveDir) && u.path.test(args.path));
      return i < 0 ? undefined : { path: String(i), namespace: 'unused' };
    });
    build.onLoad({ filter: /.*/, namespace: 'unused' }, (args) => {
      const u = UNUSED[Number(args.path)];
      return {
        contents: `const no = () => { throw new Error(${JSON.stringify(`${u.what} is not part of Swarm Overlay`)}); };\n${u.exports}`,
        loader: 'js',
      };
    });
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
  plugins: [unused],
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
  // The CLI: a small launcher (dist/cli.js) that loads the CLI itself (dist/cli-main.js) through V8's code cache.
  esbuild.build({ ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli-main.js' }),
  esbuild.build({
    ...common,
    entryPoints: ['src/cli/launch.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  }),
]);
chmodSync('dist/cli.js', 0o755);
