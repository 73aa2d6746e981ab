// The account and Region of a flow-log file, read from its S3 delivery path, as SQL over a file-path column: what
// an audit unit (audit/audit-unit.ts) knows of a record whose format has no account-id or region field. S3
// delivery writes `[prefix/]AWSLogs/[o-ORG/]ACCOUNT/vpcflowlogs/REGION/YYYY/MM/DD/[HH/]`, or the Hive-compatible
// `[prefix/]AWSLogs/[o-ORG/]aws-account-id=ACCOUNT/aws-service=vpcflowlogs/aws-region=REGION/...` (Amazon VPC user
// guide, "Flow log files", https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-path.html).
// `regexp_extract` and `nullif` are common to Trino and DuckDB; DuckDB gives '' where Trino gives NULL for no match,
// so both become NULL. The path column is Athena's hidden `"$path"` (the S3 object a row came from: Athena user
// guide, "SELECT", https://docs.aws.amazon.com/athena/latest/ug/select.html) and the local view's column of the
// same name (engines/duckdb.ts).

import { S3_DELIVERY_REGION_FOLDER } from './layouts.js';

/** The column that holds the file a row was read from: Athena's hidden `$path`, and the local view's. */
export const FILE_PATH_COLUMN = '"$path"';

const extract = (path: string, group: 1 | 2) => `nullif(regexp_extract(${path}, '${S3_DELIVERY_REGION_FOLDER.source}', ${group}), '')`;

/** SQL for the 12-digit account id in the AWSLogs path held by `path` (a column or expression); NULL for other paths. */
export const awsLogsAccountSql = (path: string = FILE_PATH_COLUMN): string => extract(path, 1);

/** SQL for the Region code (`eu-west-1`) in the AWSLogs path held by `path`; NULL for other paths. */
export const awsLogsRegionSql = (path: string = FILE_PATH_COLUMN): string => extract(path, 2);
