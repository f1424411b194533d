/**
 * The hosts harness itself (test/support/network-hosts.ts), before any cluster test relies on it:
 * hosts reach one another and the test process over the bridge by their own addresses; a host sees
 * only its own files; a partition cuts a host off both ways and healing restores it; destroy()
 * leaves no namespace, link, directory or process behind; a harness whose test process died by
 * SIGKILL is cleaned up by the next one.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { NetworkHosts } from '../support/network-hosts';

/** A one-line TCP echo server on host:port, written as a node -e script. */
const ECHO = (host: string, port: number): string =>
  `require('net').createServer((s) => s.on('data', (d) => s.end('echo:' + d))).listen(${port}, '${host}', () => console.log('listening'))`;

/** Sends `text` to host:port from a process on `from` (or from the test process); the reply, or 'ERR <code>'. */
async function ask(hosts: NetworkHosts, from: string | null, host: string, port: number, text: string): Promise<string> {
  const script = `const s = require('net').connect(${port}, '${host}'); s.setTimeout(1500, () => { console.log('ERR timeout'); process.exit(0); });
    s.on('error', (e) => { console.log('ERR ' + e.code); process.exit(0); }); s.end('${text}'); let r = ''; s.on('data', (d) => r += d); s.on('end', () => console.log(r));`;
  if (from === null) {
    return new Promise((resolve) => {
      const s = net.connect(port, host);
      let r = '';
      s.setTimeout(1500, () => { s.destroy(); resolve('ERR timeout'); });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(`ERR ${e.code}`));
      s.on('data', (d) => { r += d; });
      s.on('end', () => resolve(r));
      s.end(text);
    });
  }
  return (await hosts.run(from, process.execPath, ['-e', script])).trim();
}

async function waitFor(p: { child: { stdout: NodeJS.ReadableStream | null } }, text: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`no '${text}' within 10 s: ${out}`)), 10_000);
    p.child.stdout?.on('data', (d: Buffer) => { out += d.toString(); if (out.includes(text)) { clearTimeout(t); resolve(); } });
  });
}

/** Whether `pid` runs (a killed process its parent has not reaped yet is a zombie: not running). */
function running(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] !== 'Z';
  } catch {
    return false;
  }
}

function namespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
}

function links(): string {
  return execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
}

describe('network hosts (namespaces, bridge, private directories)', function () {
  let hosts: NetworkHosts;

  before(() => {
    hosts = NetworkHosts.create(['alpha', 'beta']);
  });

  after(async () => {
    await hosts?.destroy();
  });

  it('hosts reach one another and the test process reaches them, each by its own address', async () => {
    assert.notEqual(hosts.address('alpha'), hosts.address('beta'));
    const server = hosts.spawn('beta', process.execPath, ['-e', ECHO(hosts.address('beta'), 7401)]);
    await waitFor(server, 'listening');
    assert.equal(await ask(hosts, 'alpha', hosts.address('beta'), 7401, 'from-alpha'), 'echo:from-alpha');
    assert.equal(await ask(hosts, null, hosts.address('beta'), 7401, 'from-test'), 'echo:from-test');
    // beta's server listens on beta's address only: not on alpha's loopback
    assert.match(await ask(hosts, 'alpha', '127.0.0.1', 7401, 'x'), /^ERR ECONNREFUSED/);
    server.child.kill('SIGKILL');
  });

  it('a host sees its own directory and not another host\'s, and its /tmp is its own', async () => {
    fs.writeFileSync(path.join(hosts.dirOf('alpha'), 'secret.txt'), 'alpha only');
    fs.writeFileSync(path.join(hosts.root, 'beside.txt'), 'not for hosts');
    const check = `const fs = require('fs'); console.log(JSON.stringify({
      own: fs.existsSync(${JSON.stringify(path.join(hosts.dirOf('alpha'), 'secret.txt'))}),
      cwd: process.cwd(),
      beside: fs.existsSync(${JSON.stringify(path.join(hosts.root, 'beside.txt'))}),
      tmp: fs.readdirSync('/tmp'),
    }))`;
    const onAlpha = JSON.parse(await hosts.run('alpha', process.execPath, ['-e', check]));
    assert.deepEqual(onAlpha, { own: true, cwd: hosts.dirOf('alpha'), beside: false, tmp: [path.basename(hosts.root)] });
    const onBeta = JSON.parse(await hosts.run('beta', process.execPath, ['-e', check]));
    assert.equal(onBeta.own, false, 'beta cannot read alpha\'s file');
    assert.equal(onBeta.beside, false);
    assert.deepEqual(onBeta.tmp, [path.basename(hosts.root)], 'only the path to its own directory is in /tmp');
    await hosts.run('beta', 'bash', ['-c', 'echo from-beta > mine.txt']);
    assert.equal(fs.readFileSync(path.join(hosts.dirOf('beta'), 'mine.txt'), 'utf8'), 'from-beta\n', 'what a host writes lands in its own directory');
  });

  it('a partition cuts a host off both ways while its processes run on; healing connects it again', async () => {
    const server = hosts.spawn('beta', process.execPath, ['-e', ECHO(hosts.address('beta'), 7402)]);
    await waitFor(server, 'listening');
    hosts.partition('beta');
    assert.match(await ask(hosts, 'alpha', hosts.address('beta'), 7402, 'x'), /^ERR (timeout|EHOSTUNREACH)/);
    assert.match(await ask(hosts, null, hosts.address('beta'), 7402, 'x'), /^ERR (timeout|EHOSTUNREACH)/);
    assert.equal(server.child.exitCode, null, 'the partitioned host\'s process still runs');
    hosts.heal('beta');
    let reply = '';
    for (let i = 0; i < 20 && reply !== 'echo:back'; i++) {
      reply = await ask(hosts, 'alpha', hosts.address('beta'), 7402, 'back');
      if (reply !== 'echo:back') await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(reply, 'echo:back');
    server.child.kill('SIGKILL');
  });

  it('destroy() removes every namespace, link, directory and process, daemons started on a host included', async () => {
    const extra = NetworkHosts.create(['gamma']);
    await extra.run('gamma', 'bash', ['-c', 'nohup sleep 600 > /dev/null 2>&1 &']);
    const pids = extra.pidsOf('gamma');
    assert.ok(pids.length >= 1, 'the daemon runs in gamma');
    extra.spawn('gamma', 'sleep', ['600']);
    await extra.destroy();
    assert.ok(!namespaces().includes(extra.namespace('gamma')));
    assert.ok(!links().includes(`${extra.bridge}h0`));
    assert.ok(!fs.existsSync(extra.root));
    for (const pid of pids) assert.equal(running(pid), false, `process ${pid} of gamma was killed`);
  });

  it('the namespaces of a test process killed by SIGKILL are removed by the next harness', async () => {
    const script = `const { NetworkHosts } = require(${JSON.stringify(path.join(__dirname, '..', 'support', 'network-hosts.js'))});
      const h = NetworkHosts.create(['delta']); console.log(h.namespace('delta')); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ns = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
    assert.ok(namespaces().includes(ns));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok(namespaces().includes(ns), 'SIGKILL left it behind');
    const next = NetworkHosts.create(['epsilon']);
    try {
      assert.ok(!namespaces().includes(ns), 'the next harness removed it');
      assert.ok(!links().includes(`tb${child.pid!.toString(16)}x`));
    } finally {
      await next.destroy();
    }
  });
});
