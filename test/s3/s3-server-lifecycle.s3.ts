/**
 * The S3 test server never outlives its test process: `stop()` ends it, and so does the death of
 * the process that started it, even by SIGKILL (no cleanup runs then; deploy/s3mock/run.sh sees
 * its standard input close). A server left behind would hold ports and disk on CI.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { S3TestServer } from '../support/s3-server';

async function serving(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

async function waitUntilGone(endpoint: string, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (await serving(endpoint)) {
    if (Date.now() > deadline) assert.fail(`${endpoint} still serving ${withinMs} ms later`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('S3 test server lifecycle', () => {
  it('stop() ends the server', async () => {
    const server = await S3TestServer.start();
    console.log(`      S3Mock serving after ${server.startupMs} ms`);
    assert.equal(await serving(server.endpoint), true);
    await server.stop();
    assert.equal(await serving(server.endpoint), false);
  });

  it('a test process killed with SIGKILL takes its server with it', async () => {
    const script = `
      const { S3TestServer } = require(${JSON.stringify(require.resolve('../support/s3-server'))});
      S3TestServer.start().then((server) => console.log(JSON.stringify({ endpoint: server.endpoint, dir: server.dir })));
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const { endpoint, dir } = await new Promise<{ endpoint: string; dir: string }>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line)));
      child.once('exit', (code) => reject(new Error(`the test process exited with ${code}: ${stderr}`)));
    });
    assert.equal(await serving(endpoint), true);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    await waitUntilGone(endpoint, 30_000);
    // Nobody ran the dead process's cleanup: the directory stays, emptied by S3Mock's own shutdown.
    const emptiedBy = Date.now() + 10_000;
    while (readdirSync(path.join(dir, 'root')).length > 0 && Date.now() < emptiedBy) await new Promise((resolve) => setTimeout(resolve, 250));
    assert.deepEqual(readdirSync(path.join(dir, 'root')), []);
    rmSync(dir, { recursive: true, force: true });
  });
});
