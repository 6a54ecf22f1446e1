// deploy/k8s, checked without a cluster: every overlay rendered with `kubectl kustomize` (client
// only), every object validated against the Kubernetes OpenAPI schemas (kubernetes-models, and
// @kubernetes-models/keda for KEDA's CRDs), then what the schemas cannot say: gRPC probes on the
// health listener, non-root pods, variables the code reads, references that resolve, autoscaling
// bounded by partitions, configuration identical to the files the services ship.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { TOPICS } from '@switchyard/contracts';
import { ClusterTriggerAuthentication, ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { inRepo, PENDING_VARIABLES, variablesTheCodeReads } from './support/repository.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests are plain JSON
type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: any };

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
  'keda.sh/v1alpha1/ClusterTriggerAuthentication': ClusterTriggerAuthentication,
};

/** Secrets production expects to exist (created by the operator's secret manager). */
const PRODUCTION_SECRETS = [
  'switchyard-credentials',
  'switchyard-database',
  'switchyard-admin',
  'switchyard-grpc-tls',
  'switchyard-kafka',
  'switchyard-kafka-keda',
];
const OVERLAYS = ['dev', 'production'] as const;

function render(overlay: string): Manifest[] {
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', inRepo(`deploy/k8s/overlays/${overlay}`)], {
      encoding: 'utf8',
    });
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? 'kubectl is not installed (client only is enough: .ci/run installs it)'
        : `kubectl kustomize ${overlay} failed: ${(error as Error).message}`,
    );
  }
  return parseAllDocuments(output).map((doc) => unfoldSecretData(doc.toJS() as Manifest));
}

/** kustomize folds long base64 values over lines; the API server ignores the line breaks, the schema's "byte" format does not. */
function unfoldSecretData(manifest: Manifest): Manifest {
  if (manifest.kind !== 'Secret' || !manifest.data) return manifest;
  return {
    ...manifest,
    data: Object.fromEntries(
      Object.entries(manifest.data as Record<string, string>).map(([key, value]) => [key, value.replace(/\s+/g, '')]),
    ),
  };
}

const rendered = Object.fromEntries(OVERLAYS.map((overlay) => [overlay, render(overlay)])) as Record<(typeof OVERLAYS)[number], Manifest[]>;
const ofKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const byName = (manifests: Manifest[], kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);
const podSpecs = (manifests: Manifest[]) =>
  [...ofKind(manifests, 'Deployment'), ...ofKind(manifests, 'Job')].map((m) => ({
    owner: `${m.kind}/${m.metadata.name}`,
    spec: m.spec.template.spec,
  }));

function validationErrors(manifests: Manifest[]): string[] {
  return manifests.flatMap((manifest) => {
    const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
    if (!Model) return [`${manifest.apiVersion} ${manifest.kind} ${manifest.metadata.name}: no schema to validate it against`];
    try {
      new Model(manifest as never).validate();
      return [];
    } catch (error) {
      return [`${manifest.kind}/${manifest.metadata.name}: ${(error as Error).message}`];
    }
  });
}

describe.each(OVERLAYS)('deploy/k8s overlay %s', (overlay) => {
  const manifests = rendered[overlay];

  it('renders every object valid against the Kubernetes OpenAPI schemas', () => {
    expect(manifests.length).toBeGreaterThan(20);
    expect(validationErrors(manifests)).toEqual([]);
  });

  it('has a Deployment, Service and PodDisruptionBudget per service, a migration Job and default-deny NetworkPolicies', () => {
    for (const service of ['intake', 'classifier', 'placement', 'metering', 'payout']) {
      for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget'])
        expect([kind, service, Boolean(byName(manifests, kind, service))]).toEqual([kind, service, true]);
      const pdb = byName(manifests, 'PodDisruptionBudget', service)!;
      expect(pdb.spec.selector.matchLabels).toEqual(byName(manifests, 'Deployment', service)!.spec.selector.matchLabels);
    }
    expect(byName(manifests, 'Job', 'switchyard-migrate')!.spec.template.spec.initContainers).toHaveLength(5);
    expect(byName(manifests, 'NetworkPolicy', 'default-deny')!.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it('probes every Deployment over gRPC on the plaintext health listener, and runs every pod as non-root', () => {
    const healthUrl = ofKind(manifests, 'ConfigMap').find((m) => m.metadata.name.startsWith('switchyard-env'))!.data.GRPC_HEALTH_URL;
    expect(healthUrl).toBe('0.0.0.0:8081');
    for (const deployment of ofKind(manifests, 'Deployment')) {
      const [container] = deployment.spec.template.spec.containers;
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'])
        expect([deployment.metadata.name, probe, container[probe]?.grpc]).toEqual([deployment.metadata.name, probe, { port: 8081 }]);
    }
    for (const { owner, spec } of podSpecs(manifests)) {
      expect([owner, spec.securityContext.runAsNonRoot]).toEqual([owner, true]);
      for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect([owner, container.name, container.securityContext]).toMatchObject([
          owner,
          container.name,
          { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
        ]);
      }
    }
  });

  it('sets only variables the code reads', () => {
    const read = variablesTheCodeReads();
    const configMaps = ofKind(manifests, 'ConfigMap');
    const unread = podSpecs(manifests).flatMap(({ owner, spec }) =>
      [...(spec.initContainers ?? []), ...spec.containers].flatMap((container: Manifest) => {
        const fromConfigMaps = (container.envFrom ?? []).flatMap((source: Manifest) =>
          Object.keys(configMaps.find((m) => m.metadata.name === source.configMapRef.name)!.data),
        );
        const names = [...fromConfigMaps, ...(container.env ?? []).map((e: { name: string }) => e.name)];
        // START_ONCE is the migration Job's own script, read by its shell.
        return names
          .filter((name) => !read.has(name) && !(name in PENDING_VARIABLES) && name !== 'START_ONCE')
          .map((name) => `${owner}/${container.name}: ${name}`);
      }),
    );
    expect(unread).toEqual([]);
  });

  it('references only ConfigMaps and Secrets that exist (production: the documented ones)', () => {
    const present = new Set([...ofKind(manifests, 'ConfigMap'), ...ofKind(manifests, 'Secret')].map((m) => m.metadata.name));
    const references = [
      ...podSpecs(manifests).flatMap(({ spec }) => [
        ...(spec.volumes ?? []).map((v: Manifest) => v.secret?.secretName ?? v.configMap?.name),
        ...[...(spec.initContainers ?? []), ...spec.containers].flatMap((c: Manifest) => [
          ...(c.envFrom ?? []).map((e: Manifest) => e.configMapRef?.name ?? e.secretRef?.name),
          ...(c.env ?? []).map((e: Manifest) => e.valueFrom?.secretKeyRef?.name ?? e.valueFrom?.configMapKeyRef?.name),
        ]),
      ]),
      ...ofKind(manifests, 'TriggerAuthentication').flatMap((t) => t.spec.secretTargetRef.map((r: { name: string }) => r.name)),
    ].filter((name): name is string => typeof name === 'string');
    expect(references.length).toBeGreaterThan(10);
    const dangling = references.filter((name) => !present.has(name) && !(overlay === 'production' && PRODUCTION_SECRETS.includes(name)));
    expect([...new Set(dangling)]).toEqual([]);
  });

  it('scales consumers on lag up to the partitions they read, the API on CPU, and never one Deployment both ways', () => {
    const scaled = ofKind(manifests, 'ScaledObject');
    expect(scaled.map((s) => s.spec.scaleTargetRef.name).sort()).toEqual(['classifier', 'metering']);
    for (const object of scaled) {
      expect(object.spec.maxReplicaCount).toBeLessThanOrEqual(TOPICS.jobs.partitions);
      for (const trigger of object.spec.triggers) expect(trigger.metadata.consumerGroup).toBe(object.metadata.name);
    }
    const hpas = ofKind(manifests, 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.spec.scaleTargetRef.name)).toEqual(['intake']);
    expect(hpas[0]!.spec.metrics[0].resource.name).toBe('cpu');
    expect(byName(manifests, 'Deployment', 'placement')!.spec.replicas).toBe(overlay === 'production' ? 2 : 1);
  });

  it('ships the tier policy and rate cards exactly as the services have them', () => {
    const data = (prefix: string) => ofKind(manifests, 'ConfigMap').find((m) => m.metadata.name.startsWith(prefix))!.data;
    expect(data('tier-policy')['tier-policy.yaml']).toBe(readFileSync(inRepo('services/classifier/policy/tier-policy.yaml'), 'utf8'));
    expect(data('rate-cards')['rate-cards.yaml']).toBe(readFileSync(inRepo('services/metering/rate-cards/rate-cards.yaml'), 'utf8'));
    expect(data('placement-policy')['placement-policy.yaml']).toContain('version: placement-');
  });
});

describe('deploy/k8s production overlay', () => {
  const env = rendered.production.find((m) => m.kind === 'ConfigMap' && m.metadata.name.startsWith('switchyard-env'))!.data;

  it('turns on TLS to every backend and on every gRPC server, and mutual TLS for providers', () => {
    expect(env).toMatchObject({
      DATABASE_SSLMODE: 'verify-full',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      GRPC_TLS_CERT_FILE: expect.any(String),
      GRPC_TLS_KEY_FILE: expect.any(String),
    });
    const placement = byName(rendered.production, 'Deployment', 'placement')!.spec.template.spec.containers[0];
    expect(placement.env).toContainEqual({ name: 'GRPC_TLS_CLIENT_CA_FILE', value: '/var/run/secrets/switchyard/tls/ca.crt' });
    expect(placement.volumeMounts).toContainEqual({ name: 'grpc-tls', mountPath: '/var/run/secrets/switchyard/tls', readOnly: true });
  });

  it('fails validation on a malformed object (the check has teeth)', () => {
    const deployment = structuredClone(byName(rendered.production, 'Deployment', 'intake')!);
    deployment.spec.template.spec.containers[0].ports[0].containerPort = 'grpc';
    expect(validationErrors([deployment])).toHaveLength(1);
  });
});
