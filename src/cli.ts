import { runCli } from './cli/main';

runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`swarm-overlay: unexpected failure: ${String(err)}\n`);
    process.exitCode = 2;
  },
);
