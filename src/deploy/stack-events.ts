// Streams a stack's events to the log while an operation runs (resource, type, status, reason), and keeps
// the first failure so that the deployer can name the resource that broke the deployment.

import { DescribeStackEventsCommand, type CloudFormationClient, type StackEvent } from '@aws-sdk/client-cloudformation';
import type { Logger } from '../log.js';

interface StackFailure {
  readonly resource: string;
  readonly type: string;
  readonly status: string;
  readonly reason: string;
}

/** Failures CloudFormation reports for resources it stopped because another one failed first. */
const KNOCK_ON = /Resource (creation|update) cancelled|cancelled by user|following resource\(s\) failed/i;

function formatEvent(event: StackEvent): string {
  const when = event.Timestamp ? event.Timestamp.toISOString().slice(11, 19) : '--:--:--';
  const reason = event.ResourceStatusReason ? `: ${event.ResourceStatusReason}` : '';
  return `${when} ${event.LogicalResourceId} (${event.ResourceType}) ${event.ResourceStatus}${reason}`;
}

const eventId = (event: StackEvent): string => event.EventId ?? formatEvent(event);

export class StackEventStream {
  private readonly seen = new Set<string>();
  private failure: StackFailure | undefined;

  /** Streams every event of `stackId` (a stack this run created). */
  constructor(
    private readonly cloudformation: Pick<CloudFormationClient, 'send'>,
    private readonly stackId: string,
    private readonly log: Logger,
  ) {}

  /**
   * Streams only the events after the newest one now recorded: an existing stack's history is not this
   * run's. (Event ids, not times: the runner's clock and AWS's may disagree.)
   */
  static async fromNow(cloudformation: Pick<CloudFormationClient, 'send'>, stackId: string, log: Logger): Promise<StackEventStream> {
    const stream = new StackEventStream(cloudformation, stackId, log);
    const page = await cloudformation.send(new DescribeStackEventsCommand({ StackName: stackId }));
    for (const event of page.StackEvents ?? []) stream.seen.add(eventId(event));
    return stream;
  }

  /** Logs the events that appeared since the last call, oldest first. */
  async poll(): Promise<void> {
    const fresh: StackEvent[] = [];
    let nextToken: string | undefined;
    pages: do {
      const page = await this.cloudformation.send(new DescribeStackEventsCommand({ StackName: this.stackId, NextToken: nextToken }));
      for (const event of page.StackEvents ?? []) {
        const id = eventId(event);
        // Events come newest first: stop at the first one already shown (or there before this run).
        if (this.seen.has(id)) break pages;
        this.seen.add(id);
        fresh.push(event);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    for (const event of fresh.reverse()) {
      this.log.info(formatEvent(event));
      this.noteFailure(event);
    }
  }

  /** The first resource that failed in this run, preferring the cause over its knock-on failures. */
  firstFailure(): StackFailure | undefined {
    return this.failure;
  }

  private noteFailure(event: StackEvent): void {
    const status = event.ResourceStatus ?? '';
    // The stack's own events repeat its resources' failures in general words.
    if (!status.endsWith('_FAILED') || event.PhysicalResourceId === this.stackId) return;
    const candidate: StackFailure = {
      resource: event.LogicalResourceId ?? '?',
      type: event.ResourceType ?? '?',
      status,
      reason: event.ResourceStatusReason ?? 'no reason given',
    };
    if (!this.failure || (KNOCK_ON.test(this.failure.reason) && !KNOCK_ON.test(candidate.reason))) this.failure = candidate;
  }
}
