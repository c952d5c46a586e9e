import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { PROBE_LABEL } from '../src/core/matrix/runMatrix';
import { createOverlay } from '../src/core/networks/overlayNetworks';
import { initSwarm, joinSwarm } from '../src/core/swarm/swarmActions';
import { ROOT, lab, labCore } from '../test/support/lab';
const L = lab();
(async () => {
  const core = labCore();
  const h = (n: string) => core.hosts.get(n);
  for (const n of ['h3', 'h2', 'h1']) await h(n).call('leave', (d) => d.swarmLeave({ force: true })).catch(() => undefined);
  await initSwarm(h('h1'), { advertiseAddr: '10.99.0.1' });
  await joinSwarm(h('h2'), h('h1'), 'worker', core.redactor);
  await joinSwarm(h('h3'), h('h1'), 'worker', core.redactor);
  await createOverlay(core.hosts, h('h1'), ['h1','h2','h3'], { name: 'so-na', attachable: false, encrypted: false, internal: false, labels: {} });
  for (let i = 0; i < 12; i++) {
    const delay = 300 + Math.random() * 3500;
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), '--hosts-file', L.hostsFile, '--ssh-config', L.sshConfig, '--known-hosts', L.knownHosts, '-v', 'matrix', 'so-na', '--temporary', '--via', 'h1', '--image', 'swarm-overlay/probe:busybox'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    setTimeout(() => child.kill('SIGINT'), delay);
    const code = await new Promise((r) => child.on('exit', r));
    const left = (await Promise.all(['h1','h2','h3'].map((n) => h(n).call('l', (d) => d.listContainers({ all: true, filters: { label: [PROBE_LABEL] } })) as Promise<unknown[]>))).flat().length;
    console.log(`run ${i} delay ${delay.toFixed(0)} exit ${code} probes left ${left}`);
    if (left) console.log(err);
  }
  for (const n of ['h3', 'h2', 'h1']) await h(n).call('leave', (d) => d.swarmLeave({ force: true })).catch(() => undefined);
  core.dispose();
})();
