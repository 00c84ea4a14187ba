/**
 * The AWS side of the pipeline's environments, made in moto the way infra/cloudformation makes it in AWS (and
 * as moto's CloudFormation cannot: EKS clusters and CloudWatch alarms are types it skips): the ECR repository
 * QA pushes to (registry.yaml: immutable tags, scan on push), each environment's EKS cluster (cluster.yaml) and
 * its two canary alarms (observability.yaml), in state OK. Idempotent, so a stack reused across runs keeps
 * working; every alarm is set back to OK, since a previous run may have left one in ALARM.
 */
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateRepositoryCommand, ECRClient, RepositoryAlreadyExistsException } from '@aws-sdk/client-ecr';
import { CreateClusterCommand, EKSClient, ResourceInUseException } from '@aws-sdk/client-eks';

export interface PipelineEnvironment {
  /** The GitHub environment, and the <env> in flightdeck-<env>-*. */
  name: string;
  clusterName: string;
}

export interface AwsResourcesOptions {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** ECR repositories to create, e.g. flightdeck/qa/flask-app. */
  repositories: string[];
  environments: PipelineEnvironment[];
}

export function alarmNames(environment: string): string[] {
  return [`flightdeck-${environment}-alb-5xx`, `flightdeck-${environment}-alb-p95`];
}

export async function ensurePipelineAwsResources(options: AwsResourcesOptions): Promise<void> {
  const config = { region: options.region, endpoint: options.endpoint, credentials: options.credentials };
  const ecr = new ECRClient(config);
  const eks = new EKSClient(config);
  const cloudwatch = new CloudWatchClient(config);
  try {
    for (const repositoryName of options.repositories) {
      await ecr
        .send(
          new CreateRepositoryCommand({
            repositoryName,
            imageTagMutability: 'IMMUTABLE',
            imageScanningConfiguration: { scanOnPush: true },
          }),
        )
        .catch((error: unknown) => {
          if (!(error instanceof RepositoryAlreadyExistsException)) throw error;
        });
    }
    for (const environment of options.environments) {
      await eks
        .send(
          new CreateClusterCommand({
            name: environment.clusterName,
            roleArn: `arn:aws:iam::123456789012:role/flightdeck-${environment.name}-cluster`,
            resourcesVpcConfig: { subnetIds: [] },
          }),
        )
        .catch((error: unknown) => {
          if (!(error instanceof ResourceInUseException)) throw error;
        });
      const [errors, latency] = alarmNames(environment.name);
      const common = { Namespace: 'AWS/ApplicationELB', Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 2 };
      await cloudwatch.send(
        new PutMetricAlarmCommand({
          ...common,
          AlarmName: errors,
          MetricName: 'HTTPCode_Target_5XX_Count',
          Statistic: 'Sum',
          Threshold: 5,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      );
      await cloudwatch.send(
        new PutMetricAlarmCommand({
          ...common,
          AlarmName: latency,
          MetricName: 'TargetResponseTime',
          ExtendedStatistic: 'p95',
          Threshold: 1.5,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      );
      for (const AlarmName of [errors!, latency!]) {
        await cloudwatch.send(new SetAlarmStateCommand({ AlarmName, StateValue: 'OK', StateReason: 'set up for the pipeline run' }));
      }
    }
  } finally {
    ecr.destroy();
    eks.destroy();
    cloudwatch.destroy();
  }
}
