// npm run demo, after scripts/demo.sh has built the lab and packaged the extension: a swarm across the
// lab's hosts but the last (h1 manager, the others workers; the last is left out so the walkthrough's
// join step is there to do), an attachable overlay network, and a real VS Code
// (code-server on 127.0.0.1) with the extension installed and the lab's hosts configured. It serves
// until Ctrl+C (or SIGTERM), then stops code-server and takes the swarm down; demo.sh removes the lab.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { createOverlay } from '../src/core/networks/overlayNetworks';
import { initSwarm, joinSwarm, leaveSwarm } from '../src/core/swarm/swarmActions';
import { startCodeServer } from '../test/e2e/codeServer';
import { ROOT } from '../test/e2e/env';
import { lab, labCore } from '../test/support/lab';

const NETWORK = 'demo-overlay';

async function main(): Promise<void> {
  const hosts = lab().hosts;
  const core = labCore({ connectTimeoutMs: 10_000 });
  const names = hosts.map((h) => h.name);
  const [first, ...rest] = names;
  if (!first) throw new Error('The lab has no hosts.');
  // The last host stays out of the swarm: joining it from the tree is the first thing to try.
  const outside = rest.length > 0 ? rest[rest.length - 1] : undefined;
  const joined = rest.filter((n) => n !== outside);
  const h = (n: string) => core.hosts.get(n);
  const step = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    const r = await f();
    console.log(`   ${what} (${Date.now() - t} ms)`);
    return r;
  };
  console.log(`== swarm and overlay network${outside ? ` (${outside} left out of the swarm, for you to join)` : ''}`);
  const firstAddr = hosts[0]!.host;
  await step(`swarm initialized on ${first} (${firstAddr})`, () => initSwarm(h(first), { advertiseAddr: firstAddr }));
  for (const n of joined) await step(`${n} joined as worker`, () => joinSwarm(h(n), h(first), 'worker', core.redactor));
  const net = await step(`overlay network "${NETWORK}" created`, () =>
    createOverlay(core.hosts, h(first), names, {
      name: NETWORK,
      attachable: true,
      encrypted: false,
      internal: false,
      labels: { purpose: 'demo' },
    }),
  );
  console.log(`   ${NETWORK}: ${net.subnets.map((s) => s.subnet).join(', ') || 'subnet from the pool'}`);

  console.log('== VS Code (code-server) with Swarm Overlay installed');
  const logDir = path.join(ROOT, '.cache');
  mkdirSync(logDir, { recursive: true });
  const cs = await startCodeServer({
    vsix: path.join(ROOT, 'dist', 'swarm-overlay.vsix'),
    port: Number(process.env.DEMO_PORT ?? 8080),
    logFile: path.join(logDir, 'demo-code-server.log'),
  });
  console.log('');
  console.log(`   Open ${cs.url}/ in a browser on this machine, then click the Swarm Overlay icon in the activity bar.`);
  if (outside) {
    console.log(`   ${outside} is left out of the swarm on purpose: right-click it under Swarm → "Not in a swarm" → Join Swarm as Worker.`);
  }
  console.log(`   Then: right-click "${NETWORK}" under Networks → Run Connectivity Matrix.`);
  console.log('   The walkthrough takes you through it: Help → Welcome → Get Started with Swarm Overlay.');
  console.log('   Ctrl+C stops code-server and takes the swarm and the lab down.');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n== ${signal}: stopping`);
    await cs.stop();
    console.log('   code-server stopped');
    for (const n of [...rest].reverse()) await leaveSwarm(h(n), true).catch(() => undefined);
    await leaveSwarm(h(first), true).catch(() => undefined);
    console.log('   swarm left on every host');
    core.dispose();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('Ctrl+C'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
  // Exit early for a check of the demo itself: DEMO_SECONDS=N serves N seconds, then stops.
  if (process.env.DEMO_SECONDS) setTimeout(() => void stop(`after ${process.env.DEMO_SECONDS} s`), Number(process.env.DEMO_SECONDS) * 1000);
  setInterval(() => undefined, 1 << 30);
}

main().catch((err: unknown) => {
  console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
