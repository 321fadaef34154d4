import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { protos } from '@google-cloud/monitoring';
import { cloudMonitoringSource, requestCountFilter, type TimeSeriesLister } from './cloud-monitoring.js';

type Request = protos.google.monitoring.v3.IListTimeSeriesRequest;
type TimeSeries = protos.google.monitoring.v3.ITimeSeries;

/**
 * An answer in the shape MetricServiceClient.listTimeSeries resolves to (protobuf objects decoded with
 * int64 as strings, enums as names, the oneof member named in `value`), for ALIGN_RATE + REDUCE_SUM: one
 * series, newest point first.
 */
const ANSWER: TimeSeries[] = [
  {
    metric: { type: 'istio.io/service/server/request_count', labels: {} },
    resource: { type: 'istio_canonical_service', labels: { project_id: 'shop-prod' } },
    metricKind: 'GAUGE',
    valueType: 'DOUBLE',
    points: [
      {
        interval: {
          startTime: { seconds: '1764150000', nanos: 0 },
          endTime: { seconds: '1764150060', nanos: 0 },
        },
        value: { doubleValue: 18.9, value: 'doubleValue' } as protos.google.monitoring.v3.ITypedValue,
      },
      {
        interval: {
          startTime: { seconds: '1764149940', nanos: 0 },
          endTime: { seconds: '1764150000', nanos: 0 },
        },
        value: { doubleValue: 12.5, value: 'doubleValue' } as protos.google.monitoring.v3.ITypedValue,
      },
    ],
    unit: '1',
  },
];

const NOW = new Date(1764150090_000);
const never = new AbortController().signal;

/** A MetricServiceClient stand-in: records the requests, answers what the test gives. */
function fakeClient(answer: () => Promise<TimeSeries[]>, project = 'detected-project') {
  const requests: { request: Request; options: unknown }[] = [];
  const client: TimeSeriesLister = {
    async listTimeSeries(request, options) {
      requests.push({ request, options });
      return [await answer(), null, {}];
    },
    getProjectId: async () => project,
  };
  return { client, requests };
}

const options = {
  metric: 'mesh' as const,
  service: 'worker-service',
  namespace: 'default',
  alignmentSeconds: 60,
  windowSeconds: 300,
  timeoutMs: 2000,
  clock: () => NOW,
};

describe('Cloud Monitoring', () => {
  test('asks for the rate summed over every series, and reads the newest point', async () => {
    const { client, requests } = fakeClient(async () => ANSWER);
    const source = cloudMonitoringSource({
      ...options,
      project: 'shop-prod',
      sourceWorkload: 'frontend-deployment',
      client,
    });
    const o = await source.read(never);
    assert.deepEqual(o, {
      ok: true,
      source: 'cloud-monitoring',
      query: source.query,
      series: 1,
      rps: 18.9,
      at: new Date(1764150060_000),
    });
    assert.deepEqual(requests, [
      {
        request: {
          name: 'projects/shop-prod',
          filter:
            'metric.type = "istio.io/service/server/request_count" AND resource.type = "istio_canonical_service" ' +
            'AND metric.labels.destination_service_name = "worker-service" ' +
            'AND metric.labels.destination_service_namespace = "default" ' +
            'AND metric.labels.source_workload_name = "frontend-deployment"',
          interval: { startTime: { seconds: 1764149790 }, endTime: { seconds: 1764150090 } },
          aggregation: {
            alignmentPeriod: { seconds: 60 },
            perSeriesAligner: 'ALIGN_RATE',
            crossSeriesReducer: 'REDUCE_SUM',
          },
          view: 'FULL',
        },
        options: { timeout: 2000, autoPaginate: true },
      },
    ]);
  });

  test('Managed Prometheus’ counter is filtered by its Prometheus labels; the project comes from the credentials', async () => {
    const { client, requests } = fakeClient(async () => []);
    const o = await cloudMonitoringSource({ ...options, metric: 'managed-prometheus', client }).read(never);
    assert.deepEqual(
      o.ok && { series: o.series, rps: o.rps },
      { series: 0, rps: 0 },
      'no series: the policy says empty',
    );
    assert.equal(requests[0]?.request.name, 'projects/detected-project');
    assert.equal(
      requests[0]?.request.filter,
      requestCountFilter({ metric: 'managed-prometheus', service: 'worker-service', namespace: 'default' }),
    );
    assert.match(
      String(requests[0]?.request.filter),
      /^metric\.type = "prometheus\.googleapis\.com\/istio_requests_total\/counter" AND resource\.type = "prometheus_target" AND metric\.labels\.reporter = "destination" AND metric\.labels\.destination_service = "worker-service\.default\.svc\.cluster\.local"$/,
    );
  });

  test('several series are summed; the oldest newest point is the time; int64 values are read', async () => {
    const second: TimeSeries = {
      points: [
        {
          interval: { endTime: { seconds: '1764150000' } },
          value: { int64Value: '4', value: 'int64Value' } as protos.google.monitoring.v3.ITypedValue,
        },
      ],
    };
    const { client } = fakeClient(async () => [...ANSWER, second]);
    const o = await cloudMonitoringSource({ ...options, client }).read(never);
    assert.deepEqual(o.ok && { series: o.series, rps: o.rps, at: o.at }, {
      series: 2,
      rps: 22.9,
      at: new Date(1764150000_000),
    });
  });

  test('DEADLINE_EXCEEDED and a hanging call are source-timeout; other errors source-unreachable', async () => {
    const deadline = Object.assign(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded'), { code: 4 });
    const denied = Object.assign(
      new Error('7 PERMISSION_DENIED: Permission monitoring.timeSeries.list denied'),
      { code: 7 },
    );
    const cases: [() => Promise<TimeSeries[]>, string, RegExp][] = [
      [() => Promise.reject(deadline), 'source-timeout', /did not answer within 200 ms/],
      [() => new Promise(() => undefined), 'source-timeout', /did not answer within 200 ms/],
      [() => Promise.reject(denied), 'source-unreachable', /Cloud Monitoring failed: 7 PERMISSION_DENIED/],
    ];
    for (const [answer, cause, detail] of cases) {
      const { client } = fakeClient(answer);
      const o = await cloudMonitoringSource({ ...options, project: 'p-123456', timeoutMs: 200, client }).read(
        never,
      );
      assert.ok(!o.ok, JSON.stringify(o));
      assert.equal(o.cause, cause);
      assert.match(o.detail, detail);
    }
  });
});

describe('the client boundary', () => {
  test('the request and the recorded answer are valid messages of the client library’s protobuf types', async () => {
    const { protos: live } = await import('@google-cloud/monitoring');
    const v3 = live.google.monitoring.v3;
    const { client, requests } = fakeClient(async () => ANSWER);
    await cloudMonitoringSource({ ...options, project: 'shop-prod', client }).read(never);
    const request = requests[0]?.request ?? {};
    // fromObject is how the client turns a request object into the message (enum names included).
    const decoded = v3.ListTimeSeriesRequest.fromObject(request);
    assert.equal(decoded.name, 'projects/shop-prod');
    assert.equal(String(decoded.interval?.endTime?.seconds), '1764150090');
    assert.equal(String(decoded.aggregation?.alignmentPeriod?.seconds), '60');
    assert.equal(decoded.aggregation?.perSeriesAligner, v3.Aggregation.Aligner.ALIGN_RATE);
    assert.equal(decoded.aggregation?.crossSeriesReducer, v3.Aggregation.Reducer.REDUCE_SUM);
    assert.equal(decoded.view, v3.ListTimeSeriesRequest.TimeSeriesView.FULL);

    // Encoded and decoded as the client does (int64 as strings, enum names, oneof member named).
    const roundTrip = v3.TimeSeries.toObject(
      v3.TimeSeries.decode(v3.TimeSeries.encode(v3.TimeSeries.fromObject(ANSWER[0] ?? {})).finish()),
      {
        longs: String,
        enums: String,
        oneofs: true,
      },
    );
    assert.deepEqual(roundTrip.points, ANSWER[0]?.points);
  });
});
