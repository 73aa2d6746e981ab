// How the EC2 Describe look-ups split a long list of ids into requests: ids go into a Filter's values, at most
// FILTER_VALUES_PER_REQUEST per request, and each request is paginated with the largest page EC2 accepts.

/**
 * Filter values per request. EC2 refuses more than 200 values in one call with FilterLimitExceeded ("The maximum
 * number of filter values specified on a single call is 200"; the error is listed in the EC2 API Reference's error
 * codes, https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html, and its message reported in
 * https://github.com/gjbae1212/gossm/issues/47); the Filter type itself documents no count
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Filter.html).
 */
export const FILTER_VALUES_PER_REQUEST = 200;

/**
 * Results per page (MaxResults of DescribeInstances, DescribeNetworkInterfaces and DescribeSecurityGroupRules:
 * 5 to 1000, EC2 API Reference). EC2 may return fewer and a NextToken; the SDK's paginators follow it.
 */
export const PAGE_SIZE = 1000;

/** `ids` in order, in slices of at most FILTER_VALUES_PER_REQUEST (none for no ids). */
export function filterBatches(ids: readonly string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += FILTER_VALUES_PER_REQUEST) out.push(ids.slice(i, i + FILTER_VALUES_PER_REQUEST));
  return out;
}
