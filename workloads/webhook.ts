/**
 * `webhook`: an Alertmanager-style webhook receiver.
 *
 * Each operation plays both ends of one webhook delivery. A simulated Alertmanager renders the
 * notification for one alert group (1..maxBatch alerts, mostly small) as webhook JSON; the
 * receiver decodes it, validates it, fingerprints every alert (sha256 over the sorted label set),
 * converts the alerts to internal events, classifies them (severity and team routing behind a
 * bounded LRU), filters them (resolved, silenced, inhibited, duplicate) and publishes the rest to an
 * in-process bus whose consumer aggregates counters. With `transport=http` the delivery goes over
 * loopback to a node:http server inside the same worker, through recovery, request-id and
 * access-log middleware, sent by a keep-alive client.
 *
 * The alert source churns: pods are replaced all the time, so fingerprints are mostly unique over
 * a long run. With `leak=none` every structure is bounded and the heap plateaus within seconds.
 * `leak=dedup` drops the prune of the dedup map (on resolve and on TTL); `leak=listener` forgets to
 * remove the per-request 'shutdown' listener from the receiver's long-lived lifecycle emitter.
 */
import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter, setMaxListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { defineWorkload, type WorkloadContext } from '../src/workload.js';

// ---------------------------------------------------------------------------------------------
// Parameters

const LEAKS = ['none', 'dedup', 'listener'] as const;
const TRANSPORTS = ['inproc', 'http'] as const;
type Leak = (typeof LEAKS)[number];
type Transport = (typeof TRANSPORTS)[number];

const DEFAULTS = {
  leak: 'none' as string,
  transport: 'inproc' as string,
  maxBatch: 100,
  churn: 2,
  invalidRate: 0.02,
  classifyCacheSize: 256,
  dedupTtlMs: 5000,
  busCapacity: 1024,
  maxSockets: 4,
};
type WebhookParams = typeof DEFAULTS;

interface Settings {
  readonly leak: Leak;
  readonly transport: Transport;
  readonly maxBatch: number;
  readonly churn: number;
  readonly invalidRate: number;
  readonly classifyCacheSize: number;
  readonly dedupTtlMs: number;
  readonly busCapacity: number;
  readonly maxSockets: number;
}

function oneOf<T extends string>(name: string, allowed: readonly T[], value: unknown): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) {
    throw new Error(`webhook: ${name} must be one of ${allowed.join('|')}, got ${String(value)}`);
  }
  return found;
}

function numberIn(name: string, value: unknown, min: number, max: number, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    const kind = integer ? 'an integer' : 'a number';
    throw new Error(`webhook: ${name} must be ${kind} in [${min}, ${max}], got ${String(value)}`);
  }
  return n;
}

function settingsFrom(p: WebhookParams): Settings {
  return {
    leak: oneOf('leak', LEAKS, p.leak),
    transport: oneOf('transport', TRANSPORTS, p.transport),
    maxBatch: numberIn('maxBatch', p.maxBatch, 1, 500, true),
    churn: numberIn('churn', p.churn, 0, 100, false),
    invalidRate: numberIn('invalidRate', p.invalidRate, 0, 1, false),
    classifyCacheSize: numberIn('classifyCacheSize', p.classifyCacheSize, 1, 1_000_000, true),
    dedupTtlMs: numberIn('dedupTtlMs', p.dedupTtlMs, 1, 86_400_000, true),
    busCapacity: numberIn('busCapacity', p.busCapacity, 2, 1_000_000, true),
    maxSockets: numberIn('maxSockets', p.maxSockets, 1, 1024, true),
  };
}

// ---------------------------------------------------------------------------------------------
// Alertmanager webhook payload (version 4), as Alertmanager marshals it

type AlertStatus = 'firing' | 'resolved';

interface WireAlert {
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

interface WireMessage {
  version: string;
  groupKey: string;
  truncatedAlerts: number;
  status: AlertStatus;
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WireAlert[];
}

/** Go's zero time: what Alertmanager puts in `endsAt` of an alert that is still firing. */
const ZERO_TIME = '0001-01-01T00:00:00Z';
const RECEIVER_NAME = 'soak-webhook';
const WEBHOOK_PATH = '/api/v1/alerts';
const MAX_BODY_BYTES = 4 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// The simulated sender: alerting rules, targets that churn, one alert group per notification

type Severity = 'critical' | 'warning' | 'info' | 'none';

interface Rule {
  readonly alertname: string;
  readonly severity: Severity;
  /** Share of this rule's targets that fire at `critical` instead (a second rule tier). */
  readonly criticalShare: number;
  readonly expr: string;
  readonly metric: string;
  readonly unit: string;
  readonly threshold: number;
  readonly weight: number;
}

const RULES: readonly Rule[] = [
  {
    alertname: 'KubePodCrashLooping',
    severity: 'warning',
    criticalShare: 0.1,
    weight: 4,
    expr: 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]) >= 1',
    metric: 'restarts in 10m',
    unit: '',
    threshold: 3,
  },
  {
    alertname: 'KubePodNotReady',
    severity: 'warning',
    criticalShare: 0.05,
    weight: 3,
    expr: 'sum by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Unknown"}) > 0',
    metric: 'minutes not ready',
    unit: 'm',
    threshold: 15,
  },
  {
    alertname: 'HighCPUUsage',
    severity: 'warning',
    criticalShare: 0.2,
    weight: 4,
    expr: 'sum by (namespace, pod) (rate(container_cpu_usage_seconds_total[5m])) / sum by (namespace, pod) (kube_pod_container_resource_limits{resource="cpu"}) > 0.9',
    metric: 'CPU usage',
    unit: '%',
    threshold: 90,
  },
  {
    alertname: 'HighMemoryUsage',
    severity: 'warning',
    criticalShare: 0.2,
    weight: 3,
    expr: 'container_memory_working_set_bytes / container_spec_memory_limit_bytes > 0.9',
    metric: 'memory usage',
    unit: '%',
    threshold: 90,
  },
  {
    alertname: 'HTTPErrorRateHigh',
    severity: 'critical',
    criticalShare: 1,
    weight: 2,
    expr: 'sum by (service) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (service) (rate(http_requests_total[5m])) > 0.05',
    metric: 'error ratio',
    unit: '%',
    threshold: 5,
  },
  {
    alertname: 'HTTPLatencyP99High',
    severity: 'warning',
    criticalShare: 0.15,
    weight: 2,
    expr: 'histogram_quantile(0.99, sum by (le, service) (rate(http_request_duration_seconds_bucket[5m]))) > 0.5',
    metric: 'p99 latency',
    unit: 'ms',
    threshold: 500,
  },
  {
    alertname: 'DiskSpaceLow',
    severity: 'critical',
    criticalShare: 1,
    weight: 1,
    expr: 'kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.1',
    metric: 'free space',
    unit: '%',
    threshold: 10,
  },
  {
    alertname: 'TargetDown',
    severity: 'warning',
    criticalShare: 0.1,
    weight: 2,
    expr: '100 * (count by (job, namespace, service) (up == 0) / count by (job, namespace, service) (up)) > 10',
    metric: 'targets down',
    unit: '%',
    threshold: 10,
  },
  {
    alertname: 'KafkaConsumerLagHigh',
    severity: 'warning',
    criticalShare: 0.25,
    weight: 2,
    expr: 'sum by (consumergroup, topic) (kafka_consumergroup_lag) > 10000',
    metric: 'consumer lag',
    unit: ' msgs',
    threshold: 10000,
  },
  {
    alertname: 'CertificateExpiringSoon',
    severity: 'info',
    criticalShare: 0,
    weight: 1,
    expr: '(certmanager_certificate_expiration_timestamp_seconds - time()) / 86400 < 14',
    metric: 'days to expiry',
    unit: 'd',
    threshold: 14,
  },
  { alertname: 'Watchdog', severity: 'none', criticalShare: 0, weight: 1, expr: 'vector(1)', metric: 'heartbeat', unit: '', threshold: 1 },
];

interface Namespace {
  readonly name: string;
  readonly services: readonly string[];
  /** Some teams label their workloads themselves; the rest are routed by namespace. */
  readonly team?: string;
}

const NAMESPACES: readonly Namespace[] = [
  { name: 'payments', services: ['payments-api', 'ledger', 'fraud-scorer'], team: 'payments' },
  { name: 'checkout', services: ['checkout-web', 'cart', 'pricing'] },
  { name: 'search', services: ['search-api', 'indexer', 'query-rewriter'] },
  { name: 'catalog', services: ['catalog-api', 'image-resizer'] },
  { name: 'identity', services: ['auth', 'sessions', 'user-profile'], team: 'identity' },
  { name: 'platform', services: ['ingress-nginx', 'cert-manager', 'external-dns'] },
  { name: 'monitoring', services: ['prometheus', 'alertmanager', 'grafana'] },
  { name: 'data-pipeline', services: ['kafka-connect', 'spark-driver', 'etl-scheduler'] },
  { name: 'sandbox-dev', services: ['playground', 'preview-env'] },
];

const CLUSTERS = ['prod-eu-1', 'prod-us-2'] as const;
const RUNBOOK_BASE = 'https://runbooks.example.com/alerts/';

interface Target {
  readonly labels: Record<string, string>;
  /** Alertmanager's own fingerprint of the label set (FNV-1a 64 there; any stable hash here). */
  readonly fingerprint: string;
  readonly startsAt: string;
  readonly pod: string;
  value: number;
}

interface Group {
  readonly rule: Rule;
  readonly cluster: string;
  readonly groupKey: string;
  readonly groupLabels: Record<string, string>;
  readonly externalURL: string;
  readonly generatorURL: string;
  readonly targets: Target[];
  /** Targets replaced since the last notification: their alerts go out once more, resolved. */
  readonly resolved: WireAlert[];
}

/** Pending resolved alerts kept per group; older ones are lost, as when a notification fails. */
const MAX_PENDING_RESOLVED = 32;

const CORRUPTIONS = [
  'status-enum',
  'label-name',
  'reserved-label-name',
  'label-value-type',
  'missing-alertname',
  'version',
  'alerts-not-array',
  'empty-alerts',
  'bad-timestamp',
  'missing-receiver',
  'truncated-json',
] as const;
type Corruption = (typeof CORRUPTIONS)[number];

interface Delivery {
  readonly body: string;
  readonly alerts: number;
  /** Why the batch is invalid on purpose, or null for a well-formed one. */
  readonly corruption: Corruption | null;
}

function pick<T>(items: readonly T[], r: number): T {
  const item = items[Math.floor(r * items.length)];
  if (item === undefined) throw new Error('webhook: pick from an empty list');
  return item;
}

function hexId(random: () => number, digits: number): string {
  let s = '';
  while (s.length < digits)
    s += Math.floor(random() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return s.slice(0, digits);
}

function podSuffix(random: () => number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(random() * alphabet.length)] ?? 'x';
  return s;
}

/** FNV-1a over `name\xffvalue\xff...`, twice with different offsets: 16 hex digits. */
function senderFingerprint(labels: Record<string, string>): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (const name of Object.keys(labels).sort()) {
    const part = `${name}\xff${labels[name] ?? ''}\xff`;
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x01000193);
    }
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/** Labels every alert in `labels` agrees on (Alertmanager's commonLabels/commonAnnotations). */
function common(maps: readonly Record<string, string>[]): Record<string, string> {
  const first = maps[0];
  if (first === undefined) return {};
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(first)) {
    if (maps.every((m) => m[name] === value)) out[name] = value;
  }
  return out;
}

class AlertSource {
  readonly #groups: Group[] = [];
  readonly #weights: number[] = [];
  readonly #settings: Settings;
  #totalWeight = 0;

  constructor(settings: Settings, random: () => number) {
    this.#settings = settings;
    for (const rule of RULES) {
      for (const cluster of CLUSTERS) {
        const group: Group = {
          rule,
          cluster,
          groupKey: `{}/{severity=~"critical|warning|info|none"}:{alertname="${rule.alertname}", cluster="${cluster}"}`,
          groupLabels: { alertname: rule.alertname, cluster },
          externalURL: `http://alertmanager-${cluster}.monitoring.svc:9093`,
          generatorURL: `http://prometheus-${cluster}.monitoring.svc:9090/graph?g0.expr=${encodeURIComponent(rule.expr)}&g0.tab=1`,
          targets: [],
          resolved: [],
        };
        // One target per possible alert in a batch, so a batch never repeats an alert.
        for (let i = 0; i < settings.maxBatch; i++) group.targets.push(this.#newTarget(group, random));
        this.#groups.push(group);
        this.#weights.push(rule.weight);
        this.#totalWeight += rule.weight;
      }
    }
  }

  /** Renders the next notification: one group, its recently resolved alerts, then firing ones. */
  next(random: () => number): Delivery {
    const group = this.#pickGroup(random);
    this.#churn(group, random);

    // Batch sizes are log-uniform in [1, maxBatch]: mostly small, with a long tail.
    const max = this.#settings.maxBatch;
    const size = Math.min(max, Math.max(1, Math.floor(Math.exp(random() * Math.log(max + 1)))));
    const resolvedCount = Math.min(group.resolved.length, size - 1);
    const alerts: WireAlert[] = group.resolved.splice(0, resolvedCount);
    const start = Math.floor(random() * group.targets.length);
    for (let i = alerts.length; i < size; i++) {
      const target = group.targets[(start + i) % group.targets.length];
      if (target === undefined) break;
      alerts.push(this.#firing(group, target, random));
    }

    const message: WireMessage = {
      version: '4',
      groupKey: group.groupKey,
      truncatedAlerts: 0,
      status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
      receiver: RECEIVER_NAME,
      groupLabels: group.groupLabels,
      commonLabels: common(alerts.map((a) => a.labels)),
      commonAnnotations: common(alerts.map((a) => a.annotations)),
      externalURL: group.externalURL,
      alerts,
    };

    let corruption: Corruption | null = null;
    if (random() < this.#settings.invalidRate) corruption = pick(CORRUPTIONS, random());
    let body: string;
    if (corruption === null) {
      body = JSON.stringify(message);
    } else if (corruption === 'truncated-json') {
      const full = JSON.stringify(message);
      body = full.slice(0, Math.max(1, Math.floor(full.length * random())));
    } else {
      body = JSON.stringify(corrupt(message, corruption, random));
    }
    return { body, alerts: alerts.length, corruption };
  }

  #pickGroup(random: () => number): Group {
    let r = random() * this.#totalWeight;
    for (let i = 0; i < this.#groups.length; i++) {
      r -= this.#weights[i] ?? 0;
      if (r < 0) return this.#groups[i] ?? pick(this.#groups, 0);
    }
    return pick(this.#groups, random());
  }

  /** Replaces `churn` targets on average (pods rescheduled, nodes recycled) in this group. */
  #churn(group: Group, random: () => number): void {
    const whole = Math.floor(this.#settings.churn);
    const count = whole + (random() < this.#settings.churn - whole ? 1 : 0);
    const endsAt = new Date().toISOString();
    for (let n = 0; n < count; n++) {
      const i = Math.floor(random() * group.targets.length);
      const old = group.targets[i];
      if (old === undefined) continue;
      group.resolved.push({
        status: 'resolved',
        labels: old.labels,
        annotations: this.#annotations(group.rule, old),
        startsAt: old.startsAt,
        endsAt,
        generatorURL: group.generatorURL,
        fingerprint: old.fingerprint,
      });
      if (group.resolved.length > MAX_PENDING_RESOLVED) group.resolved.shift();
      group.targets[i] = this.#newTarget(group, random);
    }
  }

  #newTarget(group: Group, random: () => number): Target {
    const ns = pick(NAMESPACES, random());
    const service = pick(ns.services, random());
    const pod = `${service}-${hexId(random, 10)}-${podSuffix(random)}`;
    const ip = `10.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`;
    const rule = group.rule;
    const severity = random() < rule.criticalShare ? 'critical' : rule.severity;
    // Keys in sorted order, as Alertmanager marshals a label set.
    const labels: Record<string, string> = {
      alertname: rule.alertname,
      cluster: group.cluster,
      container: service,
      instance: `${ip}:${rule.alertname === 'TargetDown' ? 9100 : 8080}`,
      job: 'kubernetes-pods',
      namespace: ns.name,
      pod,
      service,
      severity,
    };
    if (ns.team !== undefined) labels['team'] = ns.team;
    const startsAt = new Date(Date.now() - Math.floor(random() * 3_600_000)).toISOString();
    const value = rule.threshold * (1 + random() * 0.5);
    return { labels, fingerprint: senderFingerprint(labels), startsAt, pod, value };
  }

  #annotations(rule: Rule, target: Target): Record<string, string> {
    return {
      description: `${target.pod}: ${rule.metric} is ${target.value.toFixed(1)}${rule.unit} (threshold ${rule.threshold}${rule.unit}) for more than 5 minutes.`,
      runbook_url: RUNBOOK_BASE + rule.alertname.toLowerCase(),
      summary: `${rule.alertname} on ${target.labels['service'] ?? 'unknown'} in ${target.labels['namespace'] ?? 'unknown'}`,
    };
  }

  #firing(group: Group, target: Target, random: () => number): WireAlert {
    target.value = Math.max(0, target.value * (0.97 + random() * 0.06));
    return {
      status: 'firing',
      labels: target.labels,
      annotations: this.#annotations(group.rule, target),
      startsAt: target.startsAt,
      endsAt: ZERO_TIME,
      generatorURL: group.generatorURL,
      fingerprint: target.fingerprint,
    };
  }
}

/** Breaks a well-formed message the way buggy senders and proxies do. Labels are shared: copy. */
function corrupt(message: WireMessage, how: Corruption, random: () => number): unknown {
  const loose: Record<string, unknown> = { ...message };
  const alerts = message.alerts.map((a) => ({ ...a }) as Record<string, unknown> & WireAlert);
  loose['alerts'] = alerts;
  const victim = alerts[Math.floor(random() * alerts.length)];
  if (victim === undefined) return loose;
  switch (how) {
    case 'status-enum':
      (victim as Record<string, unknown>)['status'] = 'fring';
      break;
    case 'label-name':
      victim.labels = { ...victim.labels, 'kube-pod': victim.labels['pod'] ?? 'x' };
      break;
    case 'reserved-label-name':
      victim.labels = { ...victim.labels, __address__: victim.labels['instance'] ?? 'x' };
      break;
    case 'label-value-type':
      (victim as Record<string, unknown>)['labels'] = { ...victim.labels, replicas: 3 };
      break;
    case 'missing-alertname': {
      const { alertname: _dropped, ...rest } = victim.labels;
      victim.labels = rest;
      break;
    }
    case 'version':
      loose['version'] = 3;
      break;
    case 'alerts-not-array':
      loose['alerts'] = { ...alerts };
      break;
    case 'empty-alerts':
      loose['alerts'] = [];
      break;
    case 'bad-timestamp':
      victim.startsAt = new Date(Date.parse(victim.startsAt)).toUTCString();
      break;
    case 'missing-receiver':
      delete loose['receiver'];
      break;
    case 'truncated-json':
      break;
  }
  return loose;
}

// ---------------------------------------------------------------------------------------------
// The receiver: decode, validate, fingerprint, convert, classify, filter, publish

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const MAX_ERRORS = 10;
const MAX_ALERTS_PER_BATCH = 1000;

type Validation = { ok: true; message: WireMessage } | { ok: false; errors: string[] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkStringMap(value: unknown, where: string, labelNames: boolean, errors: string[]): void {
  if (!isRecord(value)) {
    errors.push(`${where}: must be an object of strings`);
    return;
  }
  for (const name in value) {
    if (labelNames && (!LABEL_NAME.test(name) || name.startsWith('__'))) {
      errors.push(`${where}: invalid label name ${JSON.stringify(name)}`);
    }
    if (typeof value[name] !== 'string') errors.push(`${where}.${name}: must be a string`);
  }
}

function checkTime(value: unknown, where: string, errors: string[]): void {
  if (typeof value !== 'string' || !RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
    errors.push(`${where}: must be an RFC 3339 timestamp`);
  }
}

function checkStatus(value: unknown, where: string, errors: string[]): void {
  if (value !== 'firing' && value !== 'resolved') errors.push(`${where}: must be firing or resolved`);
}

function validate(payload: unknown): Validation {
  const errors: string[] = [];
  if (!isRecord(payload)) return { ok: false, errors: ['body: must be a JSON object'] };
  if (payload['version'] !== '4') errors.push('version: must be "4"');
  if (typeof payload['groupKey'] !== 'string' || payload['groupKey'] === '') errors.push('groupKey: required');
  checkStatus(payload['status'], 'status', errors);
  if (typeof payload['receiver'] !== 'string' || payload['receiver'] === '') errors.push('receiver: required');
  const truncated = payload['truncatedAlerts'];
  if (truncated !== undefined && (typeof truncated !== 'number' || truncated < 0)) {
    errors.push('truncatedAlerts: must be a non-negative number');
  }
  checkStringMap(payload['groupLabels'], 'groupLabels', true, errors);
  checkStringMap(payload['commonLabels'], 'commonLabels', true, errors);
  checkStringMap(payload['commonAnnotations'], 'commonAnnotations', false, errors);
  if (typeof payload['externalURL'] !== 'string') errors.push('externalURL: must be a string');
  const alerts = payload['alerts'];
  if (!Array.isArray(alerts)) {
    errors.push('alerts: must be an array');
  } else if (alerts.length === 0 || alerts.length > MAX_ALERTS_PER_BATCH) {
    errors.push(`alerts: must hold 1..${MAX_ALERTS_PER_BATCH} alerts`);
  } else {
    for (let i = 0; i < alerts.length && errors.length < MAX_ERRORS; i++) {
      const alert: unknown = alerts[i];
      const where = `alerts[${i}]`;
      if (!isRecord(alert)) {
        errors.push(`${where}: must be an object`);
        continue;
      }
      checkStatus(alert['status'], `${where}.status`, errors);
      checkStringMap(alert['labels'], `${where}.labels`, true, errors);
      const labels = alert['labels'];
      if (isRecord(labels) && typeof labels['alertname'] !== 'string') {
        errors.push(`${where}.labels: alertname is required`);
      }
      checkStringMap(alert['annotations'], `${where}.annotations`, false, errors);
      checkTime(alert['startsAt'], `${where}.startsAt`, errors);
      checkTime(alert['endsAt'], `${where}.endsAt`, errors);
      if (typeof alert['generatorURL'] !== 'string') errors.push(`${where}.generatorURL: must be a string`);
      const fp = alert['fingerprint'];
      if (typeof fp !== 'string' || !/^[0-9a-f]{16}$/.test(fp)) {
        errors.push(`${where}.fingerprint: must be 16 hex digits`);
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors: errors.slice(0, MAX_ERRORS) };
  return { ok: true, message: payload as unknown as WireMessage };
}

/** sha256 over the label set in name order; the receiver's own identity for an alert. */
function fingerprint(labels: Record<string, string>): string {
  let canonical = '';
  for (const name of Object.keys(labels).sort()) canonical += `${name}\xff${labels[name] ?? ''}\xff`;
  return createHash('sha256').update(canonical).digest('hex');
}

type Priority = 'P1' | 'P2' | 'P3' | 'P4' | 'P5';

interface Route {
  readonly team: string;
  readonly channel: string;
  readonly priority: Priority;
  readonly page: boolean;
  readonly runbook: string;
}

interface AlertEvent {
  readonly id: string;
  readonly sourceFingerprint: string;
  readonly alertname: string;
  readonly status: AlertStatus;
  readonly severity: string;
  readonly namespace: string;
  readonly service: string;
  readonly cluster: string;
  readonly labels: Record<string, string>;
  readonly summary: string;
  readonly startsAt: number;
  readonly endsAt: number | null;
  readonly receivedAt: number;
  readonly requestId: string;
  readonly groupKey: string;
  route: Route | null;
}

const ROUTES: readonly { readonly namespace: RegExp; readonly team: string; readonly channel: string }[] = [
  { namespace: /^(payments|checkout)$/, team: 'payments', channel: '#payments-oncall' },
  { namespace: /^(search|catalog)$/, team: 'discovery', channel: '#discovery-alerts' },
  { namespace: /^identity$/, team: 'identity', channel: '#identity-oncall' },
  { namespace: /^(platform|monitoring|kube-system)$/, team: 'platform', channel: '#platform-oncall' },
  { namespace: /^data-/, team: 'data', channel: '#data-alerts' },
];
const TIER1_NAMESPACES = new Set(['payments', 'checkout', 'identity']);

interface Matcher {
  readonly name: string;
  readonly value: string | RegExp;
}

/** Active silences: an alert matching every matcher of one silence is dropped. */
const SILENCES: readonly (readonly Matcher[])[] = [
  [{ name: 'alertname', value: 'Watchdog' }],
  [{ name: 'namespace', value: /^sandbox-/ }],
  [
    { name: 'alertname', value: 'CertificateExpiringSoon' },
    { name: 'cluster', value: 'prod-us-2' },
  ],
];

function silenced(labels: Record<string, string>): boolean {
  return SILENCES.some((silence) =>
    silence.every((m) => {
      const v = labels[m.name];
      return v !== undefined && (typeof m.value === 'string' ? v === m.value : m.value.test(v));
    }),
  );
}

function routeFor(event: AlertEvent): Route {
  const match = ROUTES.find((r) => r.namespace.test(event.namespace));
  const team = event.labels['team'] ?? match?.team ?? 'unrouted';
  const channel = match !== undefined && match.team === team ? match.channel : `#alerts-${team}`;
  let priority: Priority;
  switch (event.severity) {
    case 'critical':
      priority = TIER1_NAMESPACES.has(event.namespace) ? 'P1' : 'P2';
      break;
    case 'warning':
      priority = 'P3';
      break;
    case 'info':
      priority = 'P4';
      break;
    default:
      priority = 'P5';
  }
  const slug = event.alertname.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  return { team, channel, priority, page: priority === 'P1', runbook: `${RUNBOOK_BASE}${slug}` };
}

/** A small LRU on Map insertion order. */
class LruCache<V> {
  readonly #map = new Map<string, V>();
  readonly #capacity: number;
  hits = 0;
  misses = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: string): V | undefined {
    const value = this.#map.get(key);
    if (value === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.#map.delete(key);
    this.#map.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#capacity) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
  }
}

/** Events the bus hands its consumers at a time. */
const BUS_BATCH = 64;

/** In-process bus: a bounded ring of events, flushed to its consumers in batches. */
class Bus extends EventEmitter {
  readonly #ring: (AlertEvent | undefined)[];
  #head = 0;
  #size = 0;
  #scheduled: NodeJS.Immediate | null = null;
  #closed = false;
  overflowed = 0;
  published = 0;

  constructor(capacity: number) {
    super();
    this.#ring = new Array<AlertEvent | undefined>(capacity).fill(undefined);
  }

  publish(event: AlertEvent): void {
    if (this.#closed) return;
    const capacity = this.#ring.length;
    if (this.#size === capacity) {
      // A consumer that falls behind loses the oldest events, not the process.
      this.#ring[this.#head] = undefined;
      this.#head = (this.#head + 1) % capacity;
      this.#size--;
      this.overflowed++;
    }
    this.#ring[(this.#head + this.#size) % capacity] = event;
    this.#size++;
    this.published++;
    // A full consumer batch goes out at once; a partial one at the end of this tick.
    if (this.#size >= Math.min(BUS_BATCH, capacity)) this.flush();
    else if (this.#scheduled === null) this.#scheduled = setImmediate(() => this.flush());
  }

  flush(): void {
    if (this.#scheduled !== null) {
      clearImmediate(this.#scheduled);
      this.#scheduled = null;
    }
    if (this.#size === 0) return;
    const batch: AlertEvent[] = [];
    const capacity = this.#ring.length;
    while (this.#size > 0) {
      const event = this.#ring[this.#head];
      this.#ring[this.#head] = undefined;
      this.#head = (this.#head + 1) % capacity;
      this.#size--;
      if (event !== undefined) batch.push(event);
    }
    this.emit('flush', batch);
  }

  close(): void {
    this.flush();
    this.#closed = true;
  }
}

/** The bus consumer: counters per route and per alert, and the pages it would send. */
class Aggregator {
  readonly byRoute = new Map<string, number>();
  readonly byAlertname = new Map<string, number>();
  events = 0;
  pages = 0;
  notifyLagMsTotal = 0;
  lastPage = '';

  consume(batch: readonly AlertEvent[]): void {
    for (const event of batch) {
      this.events++;
      const route = event.route;
      const routeKey = route === null ? 'unclassified' : `${route.team}/${route.priority}`;
      this.byRoute.set(routeKey, (this.byRoute.get(routeKey) ?? 0) + 1);
      this.byAlertname.set(event.alertname, (this.byAlertname.get(event.alertname) ?? 0) + 1);
      this.notifyLagMsTotal += Math.max(0, event.receivedAt - event.startsAt);
      if (route?.page === true) {
        this.pages++;
        this.lastPage = `[${route.priority}] ${event.summary} (${event.cluster}) ${route.runbook} req=${event.requestId}`;
      }
    }
  }
}

interface ReceiverStats {
  deliveries: number;
  accepted: number;
  rejected: number;
  alerts: number;
  resolved: number;
  silenced: number;
  inhibited: number;
  duplicates: number;
  published: number;
  cancelled: number;
}

type DeliveryResult = { ok: true; received: number; published: number } | { ok: false; errors: string[] };

/** One request in flight: it gives up if the receiver shuts down while it waits. */
class InFlight {
  cancelled = false;
  readonly onShutdown = (): void => {
    this.cancelled = true;
  };

  constructor(
    readonly requestId: string,
    readonly receivedAt: number,
  ) {}
}

/** Beyond this the dedup map drops its oldest entries even before they expire. */
const DEDUP_MAX_ENTRIES = 100_000;
const DEDUP_PRUNE_EVERY_MS = 100;

class Receiver {
  readonly stats: ReceiverStats = {
    deliveries: 0,
    accepted: 0,
    rejected: 0,
    alerts: 0,
    resolved: 0,
    silenced: 0,
    inhibited: 0,
    duplicates: 0,
    published: 0,
    cancelled: 0,
  };
  /** Lifecycle signals for in-flight requests; long-lived, one per receiver. */
  readonly lifecycle = new EventEmitter();
  readonly bus: Bus;
  readonly aggregator = new Aggregator();
  readonly classifier: LruCache<Route>;
  /** fingerprint -> first seen (ms): firing alerts already notified within the TTL. */
  readonly dedup = new Map<string, number>();
  readonly #settings: Settings;
  #lastPrune = 0;

  constructor(settings: Settings) {
    this.#settings = settings;
    this.classifier = new LruCache<Route>(settings.classifyCacheSize);
    this.bus = new Bus(settings.busCapacity);
    this.bus.on('flush', (batch: AlertEvent[]) => this.aggregator.consume(batch));
    // Each in-flight request holds one listener, so the bound is the concurrency, not 10.
    this.lifecycle.setMaxListeners(0);
  }

  begin(requestId: string): InFlight {
    const inflight = new InFlight(requestId, Date.now());
    this.lifecycle.on('shutdown', inflight.onShutdown);
    return inflight;
  }

  end(inflight: InFlight): void {
    if (inflight.cancelled) this.stats.cancelled++;
    // leak=listener: the bug where this removal went missing, so every request stays reachable
    // from the lifecycle emitter for the life of the process.
    if (this.#settings.leak !== 'listener') this.lifecycle.off('shutdown', inflight.onShutdown);
  }

  process(body: string, inflight: InFlight): DeliveryResult {
    this.stats.deliveries++;
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch (err) {
      this.stats.rejected++;
      return { ok: false, errors: [`body: invalid JSON: ${err instanceof Error ? err.message : String(err)}`] };
    }
    const validation = validate(payload);
    if (!validation.ok) {
      this.stats.rejected++;
      return validation;
    }
    const message = validation.message;
    this.stats.accepted++;
    this.stats.alerts += message.alerts.length;

    const now = Date.now();
    if (this.#settings.leak !== 'dedup') this.#prune(now);

    const events: AlertEvent[] = [];
    for (const alert of message.alerts) {
      const event = this.#convert(alert, message.groupKey, inflight, now);
      event.route = this.#classify(event);
      events.push(event);
    }
    const published = this.#filterAndPublish(events, now);
    return { ok: true, received: events.length, published };
  }

  #convert(alert: WireAlert, groupKey: string, inflight: InFlight, now: number): AlertEvent {
    const labels = alert.labels;
    return {
      id: fingerprint(labels),
      sourceFingerprint: alert.fingerprint,
      alertname: labels['alertname'] ?? '',
      status: alert.status,
      severity: labels['severity'] ?? 'none',
      namespace: labels['namespace'] ?? '',
      service: labels['service'] ?? labels['job'] ?? '',
      cluster: labels['cluster'] ?? '',
      labels,
      summary: alert.annotations['summary'] ?? labels['alertname'] ?? '',
      startsAt: Date.parse(alert.startsAt),
      endsAt: alert.endsAt === ZERO_TIME ? null : Date.parse(alert.endsAt),
      receivedAt: now,
      requestId: inflight.requestId,
      groupKey,
      route: null,
    };
  }

  #classify(event: AlertEvent): Route {
    const key = `${event.alertname}|${event.severity}|${event.namespace}|${event.service}|${event.labels['team'] ?? ''}`;
    const cached = this.classifier.get(key);
    if (cached !== undefined) return cached;
    const route = routeFor(event);
    this.classifier.set(key, route);
    return route;
  }

  #filterAndPublish(events: readonly AlertEvent[], now: number): number {
    // Inhibition: a firing critical alert mutes lesser alerts with equal alertname, cluster,
    // namespace and service (a group already shares alertname and cluster).
    let inhibiting: Set<string> | null = null;
    for (const e of events) {
      if (e.status === 'firing' && e.severity === 'critical') (inhibiting ??= new Set()).add(`${e.namespace}/${e.service}`);
    }
    const ttl = this.#settings.dedupTtlMs;
    let published = 0;
    for (const event of events) {
      if (event.status === 'resolved') {
        // leak=dedup: the prune on resolve is the line that went missing.
        if (this.#settings.leak !== 'dedup') this.dedup.delete(event.id);
        this.stats.resolved++;
        continue;
      }
      if (silenced(event.labels)) {
        this.stats.silenced++;
        continue;
      }
      if (event.severity !== 'critical' && inhibiting?.has(`${event.namespace}/${event.service}`) === true) {
        this.stats.inhibited++;
        continue;
      }
      const firstSeen = this.dedup.get(event.id);
      if (firstSeen !== undefined && now - firstSeen < ttl) {
        this.stats.duplicates++;
        continue;
      }
      // Re-insert so the map stays in first-seen order and the prune can stop early.
      if (firstSeen !== undefined) this.dedup.delete(event.id);
      this.dedup.set(event.id, now);
      this.bus.publish(event);
      published++;
    }
    this.stats.published += published;
    return published;
  }

  /** Drops dedup entries older than the TTL (they notify again) and enforces the hard cap. */
  #prune(now: number): void {
    if (now - this.#lastPrune < DEDUP_PRUNE_EVERY_MS) return;
    this.#lastPrune = now;
    const ttl = this.#settings.dedupTtlMs;
    for (const [id, firstSeen] of this.dedup) {
      if (now - firstSeen < ttl) break;
      this.dedup.delete(id);
    }
    for (const id of this.dedup.keys()) {
      if (this.dedup.size <= DEDUP_MAX_ENTRIES) break;
      this.dedup.delete(id);
    }
  }

  shutdown(): void {
    this.lifecycle.emit('shutdown');
    this.lifecycle.removeAllListeners();
    this.bus.close();
    this.bus.removeAllListeners();
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP transport: server with middleware, keep-alive client, both inside the worker

interface RequestContext {
  requestId: string;
  readonly startedAt: number;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, rc: RequestContext) => Promise<void>;
type Middleware = (next: Handler) => Handler;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Bounded in-memory access log: the last `capacity` lines. */
class LogSink {
  readonly #lines: string[];
  #next = 0;
  written = 0;

  constructor(capacity: number) {
    this.#lines = new Array<string>(capacity).fill('');
  }

  write(line: string): void {
    this.#lines[this.#next] = line;
    this.#next = (this.#next + 1) % this.#lines.length;
    this.written++;
  }

  last(): string {
    return this.#lines[(this.#next + this.#lines.length - 1) % this.#lines.length] ?? '';
  }
}

interface HttpCounters {
  panics: number;
  byStatus: Map<number, number>;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, extra?: http.OutgoingHttpHeaders): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...extra,
  });
  res.end(text);
}

/** Outermost: a handler that throws or rejects becomes a 500, never a dead worker. */
function recovery(counters: HttpCounters): Middleware {
  return (next) => async (req, res, rc) => {
    try {
      await next(req, res, rc);
    } catch (err) {
      counters.panics++;
      if (req.destroyed && res.destroyed) return;
      if (!res.headersSent) {
        sendJson(res, 500, { status: 'error', error: 'internal error', requestId: rc.requestId });
      } else {
        res.destroy(err instanceof Error ? err : new Error(String(err)));
      }
    }
  };
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestId(): Middleware {
  return (next) => (req, res, rc) => {
    const given = req.headers['x-request-id'];
    rc.requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', rc.requestId);
    return next(req, res, rc);
  };
}

function logging(sink: LogSink, counters: HttpCounters): Middleware {
  return (next) => (req, res, rc) => {
    res.once('finish', () => {
      const status = res.statusCode;
      counters.byStatus.set(status, (counters.byStatus.get(status) ?? 0) + 1);
      const bytes = res.getHeader('content-length') ?? '-';
      const ms = (performance.now() - rc.startedAt).toFixed(3);
      const ua = req.headers['user-agent'] ?? '-';
      sink.write(
        `${req.socket.remoteAddress ?? '-'} - - [${new Date().toISOString()}] "${req.method ?? '-'} ${req.url ?? '-'} HTTP/${req.httpVersion}" ${status} ${String(bytes)} "-" "${ua}" rid=${rc.requestId} ${ms}ms`,
      );
    });
    return next(req, res, rc);
  };
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limit) {
      reject(new HttpError(413, `body over ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        reject(new HttpError(413, `body over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size).toString('utf8')));
    req.on('error', reject);
    // A client that goes away mid-body: settle, so the request's bookkeeping is released.
    req.on('close', () => reject(new Error('client closed the connection before the body ended')));
  });
}

function alertsHandler(receiver: Receiver): Handler {
  return async (req, res, rc) => {
    if (req.url !== WEBHOOK_PATH) {
      sendJson(res, 404, { status: 'error', error: 'not found' });
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, { status: 'error', error: 'method not allowed' }, { allow: 'POST' });
      return;
    }
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('application/json')) {
      sendJson(res, 415, { status: 'error', error: 'content-type must be application/json' });
      return;
    }
    const inflight = receiver.begin(rc.requestId);
    try {
      let body: string;
      try {
        body = await readBody(req, MAX_BODY_BYTES);
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        sendJson(res, err.status, { status: 'error', error: err.message }, { connection: 'close' });
        return;
      }
      if (inflight.cancelled) {
        sendJson(res, 503, { status: 'error', error: 'shutting down' }, { connection: 'close' });
        return;
      }
      const result = receiver.process(body, inflight);
      if (result.ok) {
        sendJson(res, 200, {
          status: 'success',
          requestId: rc.requestId,
          received: result.received,
          published: result.published,
        });
      } else {
        sendJson(res, 400, { status: 'error', requestId: rc.requestId, errors: result.errors.slice(0, 5) });
      }
    } finally {
      receiver.end(inflight);
    }
  };
}

interface HttpTransport {
  readonly server: http.Server;
  readonly agent: http.Agent;
  readonly port: number;
  readonly logs: LogSink;
  readonly counters: HttpCounters;
  /** Requests use this signal; it follows the context's signal through a single listener. */
  readonly abort: AbortController;
  readonly parentSignal: AbortSignal;
  readonly onParentAbort: () => void;
}

async function startHttp(receiver: Receiver, settings: Settings, ctx: WorkloadContext): Promise<HttpTransport> {
  const logs = new LogSink(512);
  const counters: HttpCounters = { panics: 0, byStatus: new Map() };
  const middleware = [recovery(counters), requestId(), logging(logs, counters)];
  const chain = middleware.reduceRight<Handler>((next, mw) => mw(next), alertsHandler(receiver));

  const server = http.createServer((req, res) => {
    const rc: RequestContext = { requestId: '', startedAt: performance.now() };
    chain(req, res, rc).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  // Idle sockets are dropped by the client (15 s) before the server would close them (30 s), so
  // a request never races a server-side keep-alive close after a pause between time slices.
  server.keepAliveTimeout = 30_000;
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: settings.maxSockets,
    maxFreeSockets: settings.maxSockets,
    timeout: 15_000,
  });

  // Every in-flight request listens on the signal it is given; following the context's signal
  // through one listener keeps that to a signal this workload owns (no listener-count warning
  // when concurrency exceeds 10).
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const parentSignal = ctx.signal;
  const onParentAbort = (): void => abort.abort(parentSignal.reason);
  if (parentSignal.aborted) abort.abort(parentSignal.reason);
  else parentSignal.addEventListener('abort', onParentAbort, { once: true });

  return { server, agent, port, logs, counters, abort, parentSignal, onParentAbort };
}

async function stopHttp(t: HttpTransport): Promise<void> {
  t.parentSignal.removeEventListener('abort', t.onParentAbort);
  if (!t.abort.signal.aborted) t.abort.abort();
  t.agent.destroy();
  const closed = new Promise<void>((resolve) => t.server.close(() => resolve()));
  t.server.closeAllConnections();
  await closed;
}

interface HttpReply {
  readonly status: number;
  readonly requestId: string | undefined;
  readonly body: string;
}

function post(t: HttpTransport, body: string, requestIdHeader: string | undefined, signal: AbortSignal): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'user-agent': 'Alertmanager/0.27.0',
    };
    if (requestIdHeader !== undefined) headers['x-request-id'] = requestIdHeader;
    const req = http.request({ agent: t.agent, host: '127.0.0.1', port: t.port, method: 'POST', path: WEBHOOK_PATH, headers, signal }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        const rid = res.headers['x-request-id'];
        resolve({ status: res.statusCode ?? 0, requestId: typeof rid === 'string' ? rid : undefined, body: text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// ---------------------------------------------------------------------------------------------
// The workload

interface WebhookState {
  readonly settings: Settings;
  readonly source: AlertSource;
  readonly receiver: Receiver;
  readonly http: HttpTransport | null;
  seq: number;
}

function describe(delivery: Delivery): string {
  return delivery.corruption === null ? `valid batch of ${delivery.alerts}` : `batch corrupted by ${delivery.corruption}`;
}

function runInproc(state: WebhookState, ctx: WorkloadContext): void {
  const delivery = state.source.next(ctx.random);
  const inflight = state.receiver.begin(`inproc-${++state.seq}`);
  let result: DeliveryResult;
  try {
    result = state.receiver.process(delivery.body, inflight);
  } finally {
    state.receiver.end(inflight);
  }
  if (result.ok !== (delivery.corruption === null)) {
    const detail = result.ok ? 'accepted' : `rejected: ${result.errors.join('; ')}`;
    throw new Error(`webhook: ${describe(delivery)} was ${detail}`);
  }
}

async function runHttp(state: WebhookState, t: HttpTransport, ctx: WorkloadContext): Promise<void> {
  const delivery = state.source.next(ctx.random);
  // Alertmanager sends no request id; a proxy in front of the receiver sometimes adds one.
  const sentId = ctx.random() < 0.5 ? `am-${++state.seq}` : undefined;
  const signal = ctx.signal === t.parentSignal ? t.abort.signal : ctx.signal;
  const reply = await post(t, delivery.body, sentId, signal);
  const expected = delivery.corruption === null ? 200 : 400;
  if (reply.status !== expected) {
    throw new Error(`webhook: POST ${WEBHOOK_PATH} (${describe(delivery)}) got ${reply.status}, expected ${expected}: ${reply.body.slice(0, 200)}`);
  }
  if (reply.requestId === undefined || (sentId !== undefined && reply.requestId !== sentId)) {
    throw new Error(`webhook: response request id ${String(reply.requestId)} does not match ${String(sentId)}`);
  }
  const parsed: unknown = JSON.parse(reply.body);
  if (!isRecord(parsed) || parsed['status'] !== (expected === 200 ? 'success' : 'error')) {
    throw new Error(`webhook: unexpected response body ${reply.body.slice(0, 200)}`);
  }
}

export default defineWorkload<WebhookParams, WebhookState>({
  name: 'webhook',
  description: 'Alertmanager-style webhook receiver: alert batches decoded, validated, fingerprinted, classified, filtered, published (inproc or http)',
  params: DEFAULTS,
  paramChoices: {
    leak: LEAKS,
    transport: TRANSPORTS,
  },
  paramDocs: {
    leak: 'none | dedup (dedup map never pruned on resolve/TTL) | listener (per-request shutdown listener never removed)',
    transport: 'inproc (pipeline called directly) | http (node:http server with middleware, keep-alive client over loopback)',
    maxBatch: 'largest alert batch, 1-500; sizes are log-uniform in 1..maxBatch (mostly small)',
    churn: 'targets (pods) replaced per operation on average; each brings new fingerprints',
    invalidRate: 'share of batches corrupted on purpose; the receiver rejects them (counted, not an error)',
    classifyCacheSize: 'capacity of the LRU of routing decisions keyed by label set',
    dedupTtlMs: 'dedup window in ms: a firing alert is notified again after this long',
    busCapacity: 'capacity of the bus ring buffer (oldest events dropped when full); consumers take batches of 64',
    maxSockets: 'keep-alive sockets of the http client (transport=http)',
  },

  async setup(params, ctx) {
    const settings = settingsFrom(params);
    const receiver = new Receiver(settings);
    const source = new AlertSource(settings, ctx.random);
    const transport = settings.transport === 'http' ? await startHttp(receiver, settings, ctx) : null;
    return { settings, source, receiver, http: transport, seq: 0 };
  },

  emitters(state) {
    return state.http === null ? { lifecycle: state.receiver.lifecycle } : { lifecycle: state.receiver.lifecycle, requests: state.http.abort.signal };
  },

  run(state, ctx) {
    if (state.http === null) {
      runInproc(state, ctx);
      return undefined;
    }
    return runHttp(state, state.http, ctx);
  },

  async teardown(state) {
    state.receiver.shutdown();
    if (state.http !== null) await stopHttp(state.http);
  },
});
