// A swarm is named by its leader's hostname and size, as people recognise it; the cluster id goes to tooltips.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SwarmNode } from '../../src/core/model';
import { swarmName } from '../../src/core/swarm/swarmName';

const node = (hostname: string, role: 'manager' | 'worker', managerStatus?: SwarmNode['managerStatus']): SwarmNode => ({
  id: `${hostname}-0123456789abcdef`,
  hostname,
  role,
  availability: 'active',
  status: 'ready',
  managerStatus,
  engineVersion: '26.1.5',
  address: '10.99.0.1',
  labels: {},
  version: 1,
});

test('swarm of <leader> · <n> nodes; without a leader the first manager; without nodes the hosts in it', () => {
  const nodes = [node('h2', 'worker'), node('h3', 'manager', 'reachable'), node('h1', 'manager', 'leader')];
  assert.equal(swarmName({ nodes, hostOfNode: {} }), 'swarm of h1 · 3 nodes');
  assert.equal(swarmName({ nodes: [node('h1', 'manager', 'leader')], hostOfNode: {} }), 'swarm of h1 · 1 node');
  assert.equal(swarmName({ nodes: [node('h2', 'worker'), node('h3', 'manager', 'unreachable')], hostOfNode: {} }), 'swarm of h3 · 2 nodes');
  assert.equal(swarmName({ nodes: [], hostOfNode: { a: 'h5', b: 'h4' } }), 'swarm with h4, h5');
  assert.equal(swarmName({ nodes: [], hostOfNode: {} }), 'swarm');
});
