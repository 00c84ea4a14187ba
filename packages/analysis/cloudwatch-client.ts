import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { awsClientOptions } from '../aws/config';
import { awsProxyOptions } from '../aws/proxy';
import type { AlarmReader } from './cloudwatch';

/**
 * DescribeAlarms through the SDK. The pinned client (3.1164) speaks JSON 1.0
 * with awsQueryCompatible errors, which moto understands; the Smithy RPC v2
 * CBOR protocol of some releases is not, so do not bump it without checking.
 */
export function cloudWatchAlarmReader(region: string, actionName: string): AlarmReader {
  const client = new CloudWatchClient({ ...awsClientOptions(region, actionName), ...awsProxyOptions() });
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
