import { runCli } from './cli/main';

// The first Ctrl+C (or SIGTERM) cancels: the command stops at its next step and cleans up. A second
// one exits at once.
const abort = new AbortController();
const onSignal = (sig: NodeJS.Signals) => {
  if (abort.signal.aborted) process.exit(130);
  process.stderr.write(
    `swarm-overlay: ${sig}: cancelling (removing what this run made; ${sig === 'SIGINT' ? 'Ctrl+C' : 'the signal'} again to exit at once)…\n`,
  );
  abort.abort();
  // A cancel that cannot finish (a host gone silent) must not keep a CI job waiting.
  setTimeout(() => {
    process.stderr.write('swarm-overlay: the cancel did not finish within 20 s; exiting (the next run removes any probe left).\n');
    process.exit(130);
  }, 20_000).unref();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

runCli(process.argv.slice(2), {
  signal: abort.signal,
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
