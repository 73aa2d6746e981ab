// The tracking issue points at what this run published elsewhere: with the egress-rules input, the run whose job
// summary holds the proposal (issue 23), in the one-VPC layout and the organisation's.
import { describe, expect, test } from '@jest/globals';
import { renderIssueBody } from '../../src/report/tracking-issue.js';
import type { UnitFindings } from '../../src/report/unit-sections.js';

const RUN = 'https://github.com/octo-org/network/actions/runs/123456';
const LINK = `Least-privilege egress rules proposed from this window's traffic: [the job summary of this run](${RUN}) ("Proposed egress rules").`;
const input = { top: 10, stackOrVpcKey: 'vpc-0abc1234', unacknowledged: [], rows: [], newKeys: new Set<string>(), window: { start: new Date(0), end: new Date(3_600_000) }, allowlistPath: 'a.yml' };

describe('the tracking issue links to the egress-rules proposal', () => {
  test('one VPC: the link follows how to acknowledge a port; without a proposal there is none', () => {
    expect(renderIssueBody({ ...input, egressRulesUrl: RUN })).toContain(`reason: why this VPC connects to it\n\`\`\`\n\n${LINK}\n\n### Unacknowledged ports`);
    expect(renderIssueBody(input)).not.toContain('egress rules');
  });

  test('an organisation: the link comes before the table of every VPC', () => {
    const unit = (vpcId: string): UnitFindings => ({ unit: { account: '111122223333', region: 'eu-west-1', vpcId }, rows: [], portsLeftOut: 0, newPorts: [], firstWindow: false, unexplained: [] });
    const body = renderIssueBody({ ...input, units: [unit('vpc-0000000a'), unit('vpc-0000000b')], egressRulesUrl: RUN });
    expect(body).toContain(`${LINK}\n\n### Every VPC`);
  });
});
