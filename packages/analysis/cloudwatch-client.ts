import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { awsClientOptions } from '../aws/config';
import { explainAwsError } from '../aws/errors';
import type { MetricDataReader, MetricSeries } from './alb-metrics';
import type { AlarmReader } from './cloudwatch';

/**
 * DescribeAlarms through the SDK. The pinned client (3.1164) speaks JSON 1.0
 * with awsQueryCompatible errors, which moto understands; the Smithy RPC v2
 * CBOR protocol of some releases is not, so do not bump it without checking.
 */
export function cloudWatchAlarmReader(region: string, actionName: string): AlarmReader {
  const client = new CloudWatchClient(awsClientOptions(region, actionName));
  return {
    async describeAlarms(names) {
      const found: { name: string; state: string; reason?: string }[] = [];
      // DescribeAlarms takes at most 100 names per call.
      for (let i = 0; i < names.length; i += 100) {
        let nextToken: string | undefined;
        do {
          const page = await client.send(
            new DescribeAlarmsCommand({
              AlarmNames: names.slice(i, i + 100),
              AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
              NextToken: nextToken,
            }),
          );
          for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
            found.push({ name: alarm.AlarmName!, state: alarm.StateValue ?? 'UNKNOWN', reason: alarm.StateReason });
          }
          nextToken = page.NextToken;
        } while (nextToken);
      }
      return found;
    },
  };
}

/** GetMetricData takes at most 500 queries per call. */
const QUERIES_PER_CALL = 500;

/**
 * GetMetricData through the same SDK client (and so the same JSON 1.0
 * protocol). Pages on NextToken and merges each query's datapoints in time
 * order, so a long window arrives whole.
 */
export function cloudWatchMetricReader(
  region: string,
  actionName: string,
  client = new CloudWatchClient(awsClientOptions(region, actionName)),
): MetricDataReader {
  return {
    async getMetricData(queries, start, end) {
      const merged = new Map<string, { at: number; value: number }[]>(queries.map((q) => [q.id, []]));
      for (let i = 0; i < queries.length; i += QUERIES_PER_CALL) {
        const batch = queries.slice(i, i + QUERIES_PER_CALL);
        let nextToken: string | undefined;
        do {
          let page;
          try {
            page = await client.send(
              new GetMetricDataCommand({
                StartTime: start,
                EndTime: end,
                ScanBy: 'TimestampAscending',
                NextToken: nextToken,
                MetricDataQueries: batch.map((q) => ({
                  Id: q.id,
                  ReturnData: true,
                  MetricStat: {
                    Metric: {
                      Namespace: q.namespace,
                      MetricName: q.metricName,
                      Dimensions: q.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
                    },
                    Period: q.periodSeconds,
                    Stat: q.stat,
                  },
                })),
              }),
            );
          } catch (error) {
            throw explainAwsError(error, 'cloudwatch:GetMetricData');
          }
          for (const result of page.MetricDataResults ?? []) {
            const points = merged.get(result.Id ?? '');
            if (!points) continue;
            const timestamps = result.Timestamps ?? [];
            (result.Values ?? []).forEach((value, k) => points.push({ at: timestamps[k]?.getTime() ?? 0, value }));
          }
          nextToken = page.NextToken;
        } while (nextToken);
      }
      const out = new Map<string, MetricSeries>();
      for (const [id, points] of merged) {
        points.sort((a, b) => a.at - b.at);
        out.set(id, { timestamps: points.map((p) => new Date(p.at)), values: points.map((p) => p.value) });
      }
      return out;
    },
  };
}
