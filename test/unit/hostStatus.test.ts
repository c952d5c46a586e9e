import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatTable } from '../../src/cli/table';
import { toJson } from '../../src/cli/hostsCommand';
import { dockerSshContexts, parseSshUrl } from '../../src/core/hosts/dockerContexts';
import { statusFromInfo, unreachableStatus } from '../../src/core/hosts/hostStatus';
import { HostUnreachable } from '../../src/core/errors';

test('statusFromInfo reads the engine version and swarm membership', () => {
  const s = statusFromInfo(
    'h1',
    {
      ServerVersion: '20.10.24',
      Swarm: { LocalNodeState: 'active', NodeID: 'abc', ControlAvailable: true, Cluster: { ID: 'c1' } },
    },
    '1.41',
  );
  assert.deepEqual(s.swarm, { state: 'active', nodeId: 'abc', isManager: true, clusterId: 'c1' });
  assert.equal(s.engineVersion, '20.10.24');
  const odd = statusFromInfo('h2', { Swarm: { LocalNodeState: 'weird' } });
  assert.equal(odd.swarm.state, 'unknown');
  assert.equal(odd.swarm.isManager, false);
  assert.equal(statusFromInfo('h3', {}).swarm.clusterId, undefined);
  // A manager's Raft members (what tells a leaderless swarm's managers together), sorted, once each.
  const lost = statusFromInfo('h4', {
    Swarm: {
      LocalNodeState: 'active',
      NodeID: 'm1',
      ControlAvailable: true,
      Cluster: null,
      RemoteManagers: [{ NodeID: 'm3' }, { NodeID: 'm1' }, { NodeID: 'm3' }, { Addr: 'x' }, null],
    },
  });
  assert.deepEqual(lost.swarm, { state: 'active', nodeId: 'm1', isManager: true, clusterId: undefined, managerIds: ['m1', 'm3'] });
  assert.equal(
    statusFromInfo('h5', { Swarm: { LocalNodeState: 'active', ControlAvailable: false, RemoteManagers: [{ NodeID: 'm1' }] } }).swarm
      .managerIds,
    undefined,
  );
});

test('JSON entries carry error only when unreachable', () => {
  const ok = toJson(statusFromInfo('h1', { ServerVersion: '1', Swarm: { LocalNodeState: 'inactive' } }));
  assert.equal('error' in ok, false);
  const down = toJson(unreachableStatus('h9', new HostUnreachable('h9 did not answer within 3 s.')));
  assert.deepEqual(down, {
    name: 'h9',
    reachable: false,
    engineVersion: '',
    swarm: { state: 'unknown', nodeId: '', isManager: false },
    error: 'h9 did not answer within 3 s.',
  });
});

test('formatTable pads columns', () => {
  assert.equal(
    formatTable(
      ['A', 'LONG'],
      [
        ['xyz', '1'],
        ['', '22'],
      ],
    ),
    'A    LONG\nxyz  1\n     22\n',
  );
});

test('docker contexts with ssh:// endpoints are offered, others are not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'docker-'));
  const add = (id: string, meta: unknown) => {
    mkdirSync(join(dir, 'contexts', 'meta', id), { recursive: true });
    writeFileSync(join(dir, 'contexts', 'meta', id, 'meta.json'), typeof meta === 'string' ? meta : JSON.stringify(meta));
  };
  add('a', { Name: 'prod', Endpoints: { docker: { Host: 'ssh://deploy@10.99.0.4:2222' } } });
  add('b', { Name: 'local', Endpoints: { docker: { Host: 'unix:///var/run/docker.sock' } } });
  add('c', '{not json');
  assert.deepEqual(await dockerSshContexts(dir), [{ name: 'prod', host: '10.99.0.4', user: 'deploy', port: 2222 }]);
  assert.deepEqual(await dockerSshContexts(join(dir, 'none')), []);
  assert.deepEqual(parseSshUrl('ssh://[fd00::2]'), { host: 'fd00::2', user: undefined, port: undefined });
  assert.equal(parseSshUrl('tcp://x:2375'), undefined);
});

test('odd info and network answers do not crash the readers', async () => {
  const { summarize } = await import('../../src/core/networks/overlayNetworks');
  for (const odd of [null, undefined, 42, 'x'] as unknown[]) {
    const s = statusFromInfo('h1', odd as never);
    assert.equal(s.reachable, true);
    assert.equal(s.swarm.state, 'unknown');
  }
  const n = summarize({ Name: 'n', IPAM: { Config: [null, { Subnet: '10.1.0.0/24', Gateway: 5 }, { Subnet: '' }] } } as never);
  assert.deepEqual(n.subnets, [{ subnet: '10.1.0.0/24', gateway: undefined, ipRange: undefined }]);
  assert.deepEqual(summarize({ Name: 'm', IPAM: { Config: 'nope' } } as never).subnets, []);
});
