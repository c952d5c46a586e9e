import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { containsCidr, isNetworkAddress, overlaps, parseCidr } from '../../src/core/networks/cidr';
import { type OverlayOptions, type UsedRange, optionProblems } from '../../src/core/networks/createOptions';
import { sortNetworks, summarize } from '../../src/core/networks/overlayNetworks';
import { parseLabels } from '../../src/core/labels';

const base: OverlayOptions = { name: 'web', attachable: true, encrypted: false, internal: false, labels: {} };
const used: UsedRange[] = [
  { cidr: '10.0.1.0/24', owner: 'network "old"' },
  { cidr: '10.99.0.1/24', owner: "h1's eth0" },
  { cidr: '172.30.1.1/24', owner: "h1's docker0" },
];

test('valid options pass', () => {
  assert.deepEqual(
    optionProblems({ ...base, subnet: '10.20.0.0/24', gateway: '10.20.0.1', ipRange: '10.20.0.128/25', mtu: 1400 }, ['other'], used),
    [],
  );
  assert.deepEqual(optionProblems(base, [], []), []);
});

const cases: Array<[string, Partial<OverlayOptions>, RegExp]> = [
  ['name with space', { name: 'my net' }, /network name is 1-63 letters/],
  ['name starting with dash', { name: '-x' }, /network name is 1-63/],
  ['name too long', { name: 'n'.repeat(64) }, /network name is 1-63/],
  ['duplicate name', { name: 'taken' }, /A network named "taken" exists already on this swarm\./],
  ['subnet not a CIDR', { subnet: '10.20.0.0' }, /"10\.20\.0\.0" is not an IPv4 CIDR/],
  ['subnet bad octet', { subnet: '10.300.0.0/16' }, /not an IPv4 CIDR/],
  ['subnet prefix 33', { subnet: '10.20.0.0/33' }, /not an IPv4 CIDR/],
  ['subnet host bits', { subnet: '10.20.0.5/24' }, /has host bits set: write it as 10\.20\.0\.0\/24\./],
  ['subnet too small', { subnet: '10.20.0.0/30' }, /must be \/29 or larger/],
  ['subnet overlaps network', { subnet: '10.0.0.0/16' }, /10\.0\.0\.0\/16 overlaps 10\.0\.1\.0\/24 \(network "old"\)\./],
  ['subnet overlaps host address', { subnet: '10.99.0.0/25' }, /overlaps 10\.99\.0\.1\/24 \(h1's eth0\)/],
  ['gateway outside', { subnet: '10.20.0.0/24', gateway: '10.21.0.1' }, /gateway 10\.21\.0\.1 is not inside the subnet 10\.20\.0\.0\/24/],
  ['gateway broadcast', { subnet: '10.20.0.0/24', gateway: '10.20.0.255' }, /network or broadcast address/],
  ['gateway not IP', { subnet: '10.20.0.0/24', gateway: 'x' }, /"x" is not an IPv4 address/],
  ['gateway without subnet', { gateway: '10.20.0.1' }, /A gateway needs a subnet/],
  ['ip-range outside', { subnet: '10.20.0.0/24', ipRange: '10.20.1.0/25' }, /IP range 10\.20\.1\.0\/25 is not inside the subnet/],
  ['ip-range larger', { subnet: '10.20.0.0/24', ipRange: '10.20.0.0/23' }, /not inside the subnet/],
  ['ip-range without subnet', { ipRange: '10.20.0.0/25' }, /An IP range needs a subnet/],
  ['mtu low', { mtu: 100 }, /MTU must be a whole number from 576 to 9216/],
  ['mtu high', { mtu: 65000 }, /MTU must be/],
  ['mtu fraction', { mtu: 1400.5 }, /MTU must be/],
  ['mtu NaN', { mtu: Number.NaN }, /MTU must be/],
];
for (const [label, change, pattern] of cases) {
  test(`refused: ${label}`, () => {
    const problems = optionProblems({ ...base, ...change }, ['taken'], used);
    assert.equal(problems.length, 1, problems.join(' | '));
    assert.match(problems[0]!, pattern);
  });
}

test('cidr arithmetic', () => {
  const a = parseCidr('10.0.0.0/8')!;
  assert.deepEqual([a.start, a.end, a.prefix], [167772160, 184549375, 8]);
  assert.ok(containsCidr(a, parseCidr('10.1.0.0/16')!));
  assert.ok(!containsCidr(parseCidr('10.1.0.0/16')!, a));
  assert.ok(overlaps(a, parseCidr('10.255.255.255/32')!));
  assert.ok(!overlaps(a, parseCidr('11.0.0.0/8')!));
  assert.ok(isNetworkAddress('10.1.0.0/16') && !isNetworkAddress('10.1.0.1/16'));
  assert.equal(parseCidr('0.0.0.0/0')!.end, 2 ** 32 - 1);
  for (const bad of ['', '10.0.0.0/', '/8', '10.0.0/8', '10.0.0.0.0/8', '1e1.0.0.0/8', '10.0.0.0/08x', '::1/128'])
    assert.equal(parseCidr(bad), undefined, bad);
});

const octet = fc.integer({ min: 0, max: 255 });
const cidrArb = fc.tuple(octet, octet, octet, octet, fc.integer({ min: 8, max: 30 })).map(([a, b, c, d, p]) => {
  const n = ((a * 256 + b) * 256 + c) * 256 + d;
  const size = 2 ** (32 - p);
  const start = Math.floor(n / size) * size;
  return `${[24, 16, 8, 0].map((s) => Math.floor(start / 2 ** s) % 256).join('.')}/${p}`;
});

test('property: overlap is symmetric and agrees with a brute-force sample', () => {
  fc.assert(
    fc.property(cidrArb, cidrArb, (x, y) => {
      const a = parseCidr(x)!;
      const b = parseCidr(y)!;
      assert.equal(overlaps(a, b), overlaps(b, a));
      const brute = Math.max(a.start, b.start) <= Math.min(a.end, b.end);
      assert.equal(overlaps(a, b), brute);
      if (containsCidr(a, b)) assert.ok(overlaps(a, b));
    }),
  );
});

test('property: a subnet never passes when it overlaps a used range, always passes when clear', () => {
  fc.assert(
    fc.property(
      cidrArb.filter((c) => Number(c.split('/')[1]) <= 29),
      fc.array(cidrArb, { maxLength: 4 }),
      (subnet, usedCidrs) => {
        const ranges = usedCidrs.map((cidr, i) => ({ cidr, owner: `n${i}` }));
        const problems = optionProblems({ ...base, subnet }, [], ranges);
        const s = parseCidr(subnet)!;
        const clash = usedCidrs.some((c) => overlaps(s, parseCidr(c)!));
        assert.equal(problems.length > 0, clash || s.prefix < 8);
      },
    ),
  );
});

test('property: arbitrary strings never crash the validators and never pass as a bad name', () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), fc.string(), (name, subnet, gw) => {
      const problems = optionProblems({ ...base, name, subnet: subnet || undefined, gateway: gw || undefined }, [], []);
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(name)) assert.ok(problems.length > 0);
    }),
  );
});

test('network summaries: built-ins marked, custom overlays first', () => {
  const list = [
    { Name: 'bridge', Driver: 'bridge', Scope: 'local' },
    {
      Name: 'zeta',
      Driver: 'overlay',
      Scope: 'swarm',
      Attachable: true,
      Options: { encrypted: '', 'com.docker.network.driver.mtu': '1400' },
      IPAM: { Config: [{ Subnet: '10.20.0.0/24', Gateway: '10.20.0.1' }] },
    },
    { Name: 'ingress', Driver: 'overlay', Scope: 'swarm', Ingress: true },
    { Name: 'alpha', Driver: 'overlay', Scope: 'swarm', IPAM: { Config: null } },
    { Name: 'mybridge', Driver: 'bridge', Scope: 'local' },
  ].map(summarize);
  assert.deepEqual(
    sortNetworks(list).map((n) => n.name),
    ['alpha', 'zeta', 'mybridge', 'bridge', 'ingress'],
  );
  const zeta = list[1]!;
  assert.deepEqual([zeta.encrypted, zeta.attachable, zeta.mtu, zeta.subnets[0]!.gateway], [true, true, 1400, '10.20.0.1']);
  assert.equal(list[0]!.builtIn, true);
  assert.equal(summarize({}).name, '');
});

test('labels never carry swarm secrets', () => {
  assert.throws(() => parseLabels(['t=SWMTKN-1-abc-def']), /join token or unlock key/);
  assert.deepEqual(parseLabels(['team=net']), { team: 'net' });
});
