/**
 * The deployment files: the Kubernetes manifests under deploy/kubernetes validated against the
 * Kubernetes API schemas by deploy/kubernetes/validate.sh (and the validator shown to refuse broken
 * manifests, so a pass means something), the manifests' probes consistent with the processes'
 * health ports and statuses, and the Dockerfile linted by dockerfilelint. No container engine or
 * cluster is needed: the image is not built here.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '@tributary/client';
import { LIVENESS_SERVICE } from '@tributary/common';

const run = promisify(execFile);
const K8S = path.join(REPO_ROOT, 'deploy', 'kubernetes');
const VALIDATE = path.join(K8S, 'validate.sh');

/** Runs a command to its end: exit code and output, whatever the code. */
async function outcome(cmd: string, args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(cmd, args, { cwd: REPO_ROOT, timeout: 120_000 });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '' };
  }
}

function manifests(file: string): any[] {
  return parseAllDocuments(fs.readFileSync(path.join(K8S, file), 'utf8'), { version: '1.1' }).map((d) => d.toJS()).filter((d) => d);
}

function argValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

describe('deployment files', function () {
  this.timeout(180_000);

  it('the Kubernetes manifests pass the Kubernetes API schemas, unknown fields included', async () => {
    const { code, stdout } = await outcome('bash', [VALIDATE]);
    assert.equal(code, 0, stdout);
    const ok = stdout.split('\n').filter((l) => l.startsWith('ok '));
    const kinds = ok.map((l) => l.split(' ')[2]).sort();
    assert.deepEqual(kinds, [
      'ConfigMap/tributary-config', 'Deployment/tributary-executor', 'HorizontalPodAutoscaler/tributary-executor', 'Namespace/tributary',
      'PodDisruptionBudget/tributary-executor', 'Secret/tributary-driver-tls', 'Secret/tributary-executor-tls', 'Secret/tributary-s3',
      'Secret/tributary-token', 'Service/tributary-driver', 'Service/tributary-driver-pods', 'ServiceAccount/tributary', 'StatefulSet/tributary-driver',
    ]);
    assert.match(stdout, /^13 documents, 0 failed$/m);
  });

  it('the validator refuses a misspelt field, a wrong type, a missing required field and an apiVersion the API does not have', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-manifests-'));
    try {
      const driver = fs.readFileSync(path.join(K8S, '30-driver.yaml'), 'utf8');
      const executor = fs.readFileSync(path.join(K8S, '40-executor.yaml'), 'utf8');
      const broken: Record<string, [string, RegExp]> = {
        'misspelt.yaml': [executor.replace('readinessProbe:', 'readinesProbe:'), /FAIL \S+ Deployment\/tributary-executor: .*'"readinesProbe"' does not exist in type 'IContainer'/],
        'nested.yaml': [driver.replace('              service: liveness', '              servce: liveness'), /FAIL \S+ StatefulSet\/tributary-driver: .*'"servce"' does not exist in type 'IGRPCAction'/],
        'type.yaml': [driver.replace(/replicas: 2/, 'replicas: two'), /FAIL \S+ StatefulSet\/tributary-driver: data\/spec\/replicas must be integer/],
        'required.yaml': [executor.replace(/\n {8}- name: executor\n {10}image:/, '\n        - image:'), /FAIL \S+ Deployment\/tributary-executor: data\/spec\/template\/spec\/containers\/0 must have required property name/],
        'version.yaml': [executor.replace('apiVersion: policy/v1\n', 'apiVersion: policy/v2\n'), /FAIL \S+ PodDisruptionBudget\/tributary-executor: unknown apiVersion\/kind policy\/v2 PodDisruptionBudget/],
      };
      for (const [name, [text, expected]] of Object.entries(broken)) {
        assert.ok(text !== driver && text !== executor, `${name}: the edit changed nothing`);
        fs.writeFileSync(path.join(dir, name), text);
        const { code, stdout } = await outcome('bash', [VALIDATE, path.join(dir, name)]);
        assert.equal(code, 1, `${name}: ${stdout}`);
        assert.match(stdout, expected, `${name}: ${stdout}`);
        assert.match(stdout, / 1 failed$/m, `${name}: only the broken document fails\n${stdout}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the probes ask the health port for the statuses the processes report (grpc.health.v1: '' when ready, 'liveness' when alive)", () => {
    const workloads = [...manifests('30-driver.yaml'), ...manifests('40-executor.yaml')].filter((d) => d.kind === 'StatefulSet' || d.kind === 'Deployment');
    assert.deepEqual(workloads.map((w) => w.metadata.name).sort(), ['tributary-driver', 'tributary-executor']);
    for (const w of workloads) {
      const [c] = w.spec.template.spec.containers;
      const role = c.args[0];
      assert.equal(role, w.metadata.name === 'tributary-driver' ? 'driver' : 'executor');
      const healthPort = Number(argValue(c.args, '--health-port'));
      const grpcPort = Number(argValue(c.args, '--port'));
      assert.deepEqual(c.ports.map((p: any) => [p.name, p.containerPort]).sort(), [['grpc', grpcPort], ['health', healthPort]]);
      assert.deepEqual(c.readinessProbe.grpc, { port: healthPort, service: '' }, `${role} readiness`);
      assert.deepEqual(c.livenessProbe.grpc, { port: healthPort, service: LIVENESS_SERVICE }, `${role} liveness`);
      assert.deepEqual(c.startupProbe.grpc, { port: healthPort, service: LIVENESS_SERVICE }, `${role} startup`);
      assert.ok(c.resources.requests && c.resources.limits, `${role} resources`);
      assert.equal(w.spec.template.spec.securityContext.runAsNonRoot, true);
    }
    const service = manifests('30-driver.yaml').find((d) => d.kind === 'Service' && d.metadata.name === 'tributary-driver');
    const executor = workloads.find((w) => w.metadata.name === 'tributary-executor');
    assert.equal(argValue(executor.spec.template.spec.containers[0].args, '--driver'), `tributary-driver.tributary.svc.cluster.local:${service.spec.ports[0].port}`);
  });

  it('the Dockerfile passes dockerfilelint, which does find faults in a bad one', async () => {
    const lint = path.join(REPO_ROOT, 'node_modules', '.bin', 'dockerfilelint');
    const good = await outcome(lint, [path.join(REPO_ROOT, 'Dockerfile')]);
    assert.equal(good.code, 0, good.stdout);
    assert.match(good.stdout, /Issues: None found/);
    const bad = await outcome(lint, ['FROM node\nRUN apt-get install curl\nEXPOSE 99999\n']);
    assert.notEqual(bad.code, 0, bad.stdout);
    assert.match(bad.stdout, /Base Image Missing/);
    assert.match(bad.stdout, /Invalid Port Exposed/);
  });
});
