// Command-line parsing and the bad-input table: every flag with bad values and SQL-injection attempts
// through every string input end in exit code 2 and one sentence on stderr, never a stack trace.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCidrList } from '../../src/audit/parameters.js';
import { parquetStackTableShape, PARQUET_TABLE_NAME } from '../../src/audit/parquet-stack-table.js';
import { buildAuditSql } from '../../src/audit/query.js';
import { stackTableShape } from '../../src/audit/table-shape.js';
import { commandHelp, COMMANDS, parseCommand, type AuditCommand, type CommandName, type SampleCommand } from '../../src/cli-args.js';
import { main, progress } from '../../src/cli.js';
import { windowEndingAt } from '../../src/flowlog/layout.js';
import { V2_FORMAT, V5_FORMAT, V8_FORMAT } from '../../src/flowlog/format.js';
import { InputError } from '../../src/input-error.js';

const NOW = new Date('2026-11-02T05:42:17Z');

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), interactive: false }, NOW);
  return { code, stdout, stderr };
}

describe('parseCommand', () => {
  test('audit defaults: 24 hours ending at the start of the current UTC hour, top 10, egress-ports, table', () => {
    const c = parseCommand(['audit', '--logs', 'd', '--vpc-cidr', '10.0.0.0/16'], NOW) as AuditCommand;
    expect(c.window).toEqual({ start: new Date('2026-11-01T05:00:00Z'), end: new Date('2026-11-02T05:00:00Z') });
    expect([c.top, c.preset, c.output, c.format, c.allowlist]).toEqual([10, 'egress-ports', 'table', undefined, undefined]);
  });

  test('audit with every flag, in both --flag value and --flag=value forms', () => {
    const c = parseCommand(
      ['audit', '--logs=d', '--vpc-cidr', '10.0.0.0/16, 2600:1f18:47b:a900::/56', '--lookback-hours', '48', '--end=2026-10-01T13',
        '--top', '3', '--preset', 'seed', '--log-format', 'v2', '--allowlist', 'a.yml', '--format', 'json'],
      NOW,
    ) as AuditCommand;
    expect(c.vpcCidrs.map((x) => x.text)).toEqual(['10.0.0.0/16', '2600:1f18:47b:a900::/56']);
    expect(c.window.start.toISOString()).toBe('2026-09-29T13:00:00.000Z');
    expect([c.logs, c.top, c.preset, c.format, c.allowlist, c.output]).toEqual(['d', 3, 'seed', V2_FORMAT, 'a.yml', 'json']);
  });

  test('--logs s3://... is parsed into a bucket and a folder prefix; --cache-dir is kept as given', () => {
    const c = parseCommand(['audit', '--logs', 's3://flow-logs-123456789012/AWSLogs', '--vpc-cidr', '10.0.0.0/16', '--cache-dir', 'c'], NOW) as AuditCommand;
    expect([c.logs, c.s3Logs, c.cacheDir]).toEqual(['s3://flow-logs-123456789012/AWSLogs', { bucket: 'flow-logs-123456789012', prefix: 'AWSLogs/' }, 'c']);
    expect((parseCommand(['audit', '--logs', 'd', '--vpc-cidr', '10.0.0.0/16'], NOW) as AuditCommand).s3Logs).toBeUndefined();
    expect(() => parseCommand(['audit', '--logs', 's3://Bad_Bucket/x/', '--vpc-cidr', '10.0.0.0/16'], NOW)).toThrow(/--logs: 's3:\/\/Bad_Bucket\/x\/' is not an S3 location/);
  });

  test('a LogFormat string is accepted as --log-format', () => {
    const c = parseCommand(['sql', '--vpc-cidr', '10.0.0.0/16', '--log-format', '${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${action}'], NOW) as AuditCommand;
    expect(c.format?.fields.map((f) => f.column)).toEqual(['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'action']);
  });

  test('sql --pipeline s3-parquet prints the SQL over the stack\'s Parquet table; the default stays the Firehose table', async () => {
    const flags = ['--vpc-cidr', '10.0.0.0/16', '--end', '2026-11-02T00'];
    const params = { preset: 'egress-ports' as const, vpcCidrs: parseCidrList('10.0.0.0/16'), window: windowEndingAt(new Date('2026-11-02T00:00:00Z'), 24), maxPorts: 2000, natAddresses: [] };
    const parquet = await run(['sql', ...flags, '--pipeline', 's3-parquet']);
    expect([parquet.code, parquet.stderr]).toEqual([0, '']);
    expect(parquet.stdout).toBe(`${buildAuditSql({ ...params, source: parquetStackTableShape({ database: 'vpc_port_audit', table: PARQUET_TABLE_NAME }) })}\n`);
    expect(parquet.stdout).toContain('FROM "vpc_port_audit"."flow_logs_parquet"');
    const firehose = `${buildAuditSql({ ...params, source: stackTableShape({ database: 'vpc_port_audit', table: 'flow_logs' }, V5_FORMAT) })}\n`;
    expect((await run(['sql', ...flags])).stdout).toBe(firehose);
    expect((await run(['sql', ...flags, '--pipeline', 'cloudwatch-firehose'])).stdout).toBe(firehose);
  });

  test('why takes its PORT[/PROTOCOL] before, between or after the flags', () => {
    const flags = ['--logs', 'd', '--vpc-cidr', '10.0.0.0/16'];
    for (const argv of [['why', '5432', ...flags], ['why', ...flags, '5432'], ['why', '--logs', 'd', '5432', '--vpc-cidr', '10.0.0.0/16']]) {
      expect((parseCommand(argv, NOW) as AuditCommand).why).toEqual({ port: 5432, protocol: 6 });
    }
    expect((parseCommand(['why', ...flags, '--end=2026-11-02T00', '53/udp'], NOW) as AuditCommand).why).toEqual({ port: 53, protocol: 17 });
  });

  test('sample defaults', () => {
    const c = parseCommand(['sample', '--out', 'o'], NOW) as SampleCommand;
    expect([c.days, c.recordsPerHour, c.seed, c.filesPerHour, c.format]).toEqual([1, 1000, 1, 1, V5_FORMAT]);
    expect(c.end).toEqual(new Date('2026-11-02T05:00:00Z'));
    expect(c.vpcCidrs.map((x) => x.text)).toEqual(['10.0.0.0/16', '2600:1f18:47b:a900::/56']);
    // v8: every field, as the s3-parquet stack logs.
    expect((parseCommand(['sample', '--out', 'o', '--log-format', 'v8'], NOW) as SampleCommand).format).toBe(V8_FORMAT);
  });

  test('--log-format names the same formats for audit, why, sql and sample: v2, v5, v8', () => {
    for (const [name, format] of [['v2', V2_FORMAT], ['v5', V5_FORMAT], ['v8', V8_FORMAT]] as const) {
      expect((parseCommand(['sample', '--out', 'o', '--log-format', name], NOW) as SampleCommand).format).toBe(format);
      for (const command of ['audit', 'why', 'sql']) {
        const argv = [command, ...(command === 'why' ? ['443'] : []), '--logs', 'd', '--vpc-cidr', '10.0.0.0/16', '--log-format', name];
        expect((parseCommand(argv, NOW) as AuditCommand).format).toBe(format);
      }
    }
  });

  test('help: the overview for help, --help and -h; a command\'s own for help COMMAND and COMMAND --help or -h anywhere after it', () => {
    for (const argv of [['help'], ['--help'], ['-h']]) expect(parseCommand(argv, NOW)).toEqual({ command: 'help', exitCode: 0 });
    for (const argv of [['help', 'audit'], ['audit', '--help'], ['audit', '-h'], ['audit', '--logs', 'd', '-h'], ['audit', '--top', 'ten', '--help']]) {
      expect(parseCommand(argv, NOW)).toEqual({ command: 'help', topic: 'audit', exitCode: 0 });
    }
    expect(parseCommand(['why', '443', '-h'], NOW)).toEqual({ command: 'help', topic: 'why', exitCode: 0 });
    expect(parseCommand(['redrive', '-h'], NOW)).toEqual({ command: 'help', topic: 'redrive', exitCode: 0 });
    // No arguments at all is a mistake in a script: the overview, with exit code 2.
    expect(parseCommand([], NOW)).toEqual({ command: 'help', exitCode: 2 });
    expect(parseCommand(['--version'], NOW)).toEqual({ command: 'version' });
    expect(() => parseCommand(['deploy'], NOW)).toThrow(InputError);
    expect(() => parseCommand(['help', 'deploy'], NOW)).toThrow(/^'deploy' is not a command; accepted are audit, why, sql, sample, egress-rules, allowlist, redrive/);
  });

  test('egress-rules: the audit\'s flags, the facts files, --min-days (default 7) and its own --format', () => {
    const base = ['egress-rules', '--logs', 'd', '--vpc-cidr', '10.0.0.0/16', '--interfaces', 'i.json', '--security-groups', 'r.json'];
    expect(parseCommand(base, NOW)).toMatchObject({ command: 'egress-rules', interfaces: 'i.json', securityGroups: 'r.json', minDays: 7, format: 'table', audit: { logs: 'd' } });
    expect(parseCommand([...base, '--min-days', '14', '--format', 'terraform'], NOW)).toMatchObject({ minDays: 14, format: 'terraform' });
    expect(() => parseCommand([...base, '--min-days', '0'], NOW)).toThrow(/^--min-days: '0' is not a whole number from 1 to 400\.$/);
    expect(() => parseCommand([...base, '--top', '5'], NOW)).toThrow(/^'--top' is not a flag of 'egress-rules'/);
  });

  const window = (...flags: string[]) => (parseCommand(['audit', '--logs', 'd', '--vpc-cidr', '10.0.0.0/16', ...flags], NOW) as AuditCommand).window;
  const iso = (w: { start: Date; end: Date }) => [w.start.toISOString(), w.end.toISOString()];

  test('the window: --end takes an hour or a date (that day\'s 00:00 UTC); its start from --lookback-hours, --since or --start', () => {
    expect(iso(window('--end', '2026-11-04'))).toEqual(['2026-11-03T00:00:00.000Z', '2026-11-04T00:00:00.000Z']);
    expect(iso(window('--end', '2026-11-04T06'))).toEqual(['2026-11-03T06:00:00.000Z', '2026-11-04T06:00:00.000Z']);
    expect(iso(window('--end', '2026-11-04', '--since', '7d'))).toEqual(['2026-10-28T00:00:00.000Z', '2026-11-04T00:00:00.000Z']);
    expect(iso(window('--since', '36h'))).toEqual(['2026-10-31T17:00:00.000Z', '2026-11-02T05:00:00.000Z']);
    expect(iso(window('--start', '2026-11-01', '--end', '2026-11-04'))).toEqual(['2026-11-01T00:00:00.000Z', '2026-11-04T00:00:00.000Z']);
    expect(iso(window('--start', '2026-11-01T22'))).toEqual(['2026-11-01T22:00:00.000Z', '2026-11-02T05:00:00.000Z']);
    expect(iso(window('--lookback-hours', '2', '--end', '2026-11-04'))).toEqual(['2026-11-03T22:00:00.000Z', '2026-11-04T00:00:00.000Z']);
    // sample's --end too.
    expect((parseCommand(['sample', '--out', 'o', '--end', '2026-11-04'], NOW) as SampleCommand).end.toISOString()).toBe('2026-11-04T00:00:00.000Z');
  });

  test.each([
    [['--since', '7d', '--lookback-hours', '3'], /^--lookback-hours and --since each set the window's start; give one of --lookback-hours, --since, --start\.$/],
    [['--start', '2026-11-01', '--since', '1d'], /^--since and --start each set/],
    [['--start', '2026-11-04', '--end', '2026-11-04'], /^--start: '2026-11-04' is not before the window's end 2026-11-04T00Z; give a start before --end\.$/],
    [['--start', '2025-01-01', '--end', '2026-11-04'], /^--start: '2025-01-01' is 16128 hours before the window's end 2026-11-04T00Z, more than 9600 \(400 days\); give a later start\.$/],
    [['--start', 'yesterday'], /^--start: 'yesterday' is not a whole UTC hour or a date/],
    [['--since', '0d'], /^--since: '0d' is not a duration from 1h to 400d; give whole hours or days, such as 36h or 7d\.$/],
    [['--since', '401d'], /^--since: '401d' is not a duration/],
    [['--since', '2w'], /^--since: '2w' is not a duration/],
  ])('window flags %j are refused in one sentence', (flags, message) => {
    expect(() => window(...flags)).toThrow(message);
  });

  test('audit switches: --fail-on-unexplained (needs --allowlist) and --require-full-window; a switch takes no value', () => {
    const flags = ['audit', '--logs', 'd', '--vpc-cidr', '10.0.0.0/16'];
    const plain = parseCommand(flags, NOW) as AuditCommand;
    expect([plain.failOnUnexplained, plain.requireFullWindow]).toEqual([false, false]);
    const strict = parseCommand([...flags, '--allowlist', 'a.yml', '--fail-on-unexplained', '--require-full-window'], NOW) as AuditCommand;
    expect([strict.failOnUnexplained, strict.requireFullWindow]).toEqual([true, true]);
    expect(() => parseCommand([...flags, '--fail-on-unexplained'], NOW)).toThrow(/^--fail-on-unexplained needs --allowlist FILE/);
    expect(() => parseCommand([...flags, '--require-full-window=yes'], NOW)).toThrow(/^--require-full-window takes no value; give it alone, as --require-full-window\.$/);
  });

  test('flags a command does not use are refused, naming the commands that have them: sql prints SQL, so no --format, --allowlist', () => {
    const sql = ['sql', '--vpc-cidr', '10.0.0.0/16'];
    expect(() => parseCommand([...sql, '--format', 'json'], NOW)).toThrow(/^'--format' is not a flag of 'sql' \(it is a flag of audit, why, egress-rules\); sql's flags are --vpc-cidr, --vpcs, --accounts, --logs, /);
    expect(() => parseCommand([...sql, '--allowlist', 'a.yml'], NOW)).toThrow(/^'--allowlist' is not a flag of 'sql' \(it is a flag of audit, egress-rules\)/);
    expect(() => parseCommand(['why', '443', '--logs', 'd', '--vpc-cidr', '10.0.0.0/16', '--top', '3'], NOW)).toThrow(/^'--top' is not a flag of 'why' \(it is a flag of audit, sql\)/);
    expect(() => parseCommand(['sample', '--out', 'o', '--logs', 'd'], NOW)).toThrow(/^'--logs' is not a flag of 'sample' \(it is a flag of audit, why, sql, egress-rules, allowlist\)/);
    expect(() => parseCommand(['audit', '--logs', 'd', '--vpc-cidr', '10.0.0.0/16', '-x'], NOW)).toThrow(/^'-x' is not a flag of 'audit'; audit's flags are /);
    // A likely typo names the flag or command meant; a far-off word does not.
    expect(() => parseCommand(['audit', '--lgos', 'd', '--vpc-cidr', '10.0.0.0/16'], NOW)).toThrow(/^'--lgos' is not a flag of 'audit'; did you mean --logs\? audit's flags are /);
    expect(() => parseCommand(['audit', '--logs', 'd', '--vpc-cidr', '10.0.0.0/16', '--verbose'], NOW)).toThrow(/^'--verbose' is not a flag of 'audit'; audit's flags are /);
    expect(() => parseCommand(['audti', '--logs', 'd'], NOW)).toThrow(/^'audti' is not a command; did you mean audit\? accepted are /);
    expect(() => parseCommand(['deploy'], NOW)).toThrow(/^'deploy' is not a command; accepted are /);
  });

  test('why --preset seed drills into a source port, as the seed preset counts it', () => {
    const c = parseCommand(['why', '49152', '--logs', 'd', '--vpc-cidr', '10.0.0.0/16', '--preset', 'seed'], NOW) as AuditCommand;
    expect([c.preset, c.why]).toEqual(['seed', { port: 49152, protocol: 6 }]);
  });
});

/** The longest line of a help text, leaving out command lines, examples and the synopsis (they are not wrapped). */
const longestProseLine = (text: string) => Math.max(...text.split('\n').filter((l) => !/^( {2}vpc-port-audit | {6}Example: |Usage: )/.test(l)).map((l) => l.length));

describe('help text: written from the one table of commands and flags', () => {
  test.each(Object.keys(COMMANDS) as CommandName[])('%s --help explains every flag of the command with an example, and the exit codes', async (name) => {
    const { code, stdout, stderr } = await run([name, '--help']);
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout).toBe(`${commandHelp(name)}\n`);
    expect((await run(['help', name])).stdout).toBe(stdout);
    expect((await run([name, '-h'])).stdout).toBe(stdout);
    expect(stdout).toMatch(new RegExp(`^Usage: vpc-port-audit ${name} `));
    for (const entry of COMMANDS[name].flags) {
      const flag = typeof entry === 'string' ? entry : entry[0];
      const block = new RegExp(`\\n  --${flag}\\b[^\\n]*\\n(?:      [^\\n]+\\n)*      Example: [^\\n]*--${flag}\\b`);
      expect(stdout).toMatch(block);
    }
    expect(stdout.replace(/\n/g, ' ')).toContain('Exit codes: 0 done; 2 bad input (one sentence on stderr, nothing done); 3 policy: audit --fail-on-unexplained found ports outside --allowlist; 1 an unexpected failure.');
    expect(longestProseLine(stdout)).toBeLessThanOrEqual(110);
  });

  test('audit --help explains the presets, --top and the peers column', async () => {
    const { stdout } = await run(['audit', '--help']);
    // Wrapped lines joined back.
    const text = stdout.replace(/\n +/g, ' ');
    expect(text).toMatch(/egress-ports \(default\): the destination ports of connections the VPC opened/);
    expect(text).toMatch(/seed: the original recipe's query, the source ports/);
    expect(text).toMatch(/--top N How many ports the list shows, busiest first: ranked by connections/);
    expect(text).toMatch(/peers: the distinct outside addresses/);
  });

  test('--help and help print the overview on stdout, exit 0; no arguments print it on stderr, exit 2', async () => {
    const help = await run(['--help']);
    expect([help.code, help.stderr]).toEqual([0, '']);
    for (const name of Object.keys(COMMANDS)) expect(help.stdout).toMatch(new RegExp(`\\n  ${name} +\\S`));
    expect(longestProseLine(help.stdout)).toBeLessThanOrEqual(110);
    expect(help.stdout).toContain('Exit codes: 0 done;');
    expect((await run(['help'])).stdout).toBe(help.stdout);
    expect(await run([])).toEqual({ code: 2, stdout: '', stderr: help.stdout });
  });

  test('--version prints the version of package.json', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });
});

describe('progress on stderr', () => {
  const recorder = (interactive: boolean) => {
    let text = '';
    return { io: { stdout: () => undefined, stderr: (t: string) => void (text += t), interactive }, text: () => text };
  };

  test('in a log: one line per quarter reached, then done', () => {
    const { io, text } = recorder(false);
    const bar = progress(io, 'scanning 3 files');
    for (const percent of [3, 10, 26, 39, 40, 74, 80, 99, 100]) bar.update(percent);
    bar.done();
    expect(text()).toBe('scanning 3 files: 25%\nscanning 3 files: 50%\nscanning 3 files: 75%\nscanning 3 files: done\n');
  });

  test('on a terminal: one rewritten line, ending in done; a step too fast to report prints nothing', () => {
    const { io, text } = recorder(true);
    const bar = progress(io, 'scan');
    bar.update(12);
    bar.update(57);
    bar.done();
    expect(text()).toBe('\rscan: 12%\rscan: 57%\rscan: done\n');
    const quiet = recorder(false);
    progress(quiet.io, 'scan').done();
    expect(quiet.text()).toBe('');
  });
});

describe('bad input: exit 2, one sentence, no stack trace', () => {
  let logs: string;
  beforeAll(async () => {
    logs = await mkdtemp(join(tmpdir(), 'cli-bad-'));
    await mkdir(join(logs, '2026/11/02/04'), { recursive: true });
    // Starts like gzip (magic 1f 8b), then is not.
    await writeFile(join(logs, '2026/11/02/04', 'broken.gz'), Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not gzip at all')]));
    await writeFile(join(logs, 'a-file'), 'x');
    // Named .gz: random bytes, and an empty file (even an empty gzip stream has a header and a trailer).
    await mkdir(join(logs, '2026/11/02/01'), { recursive: true });
    await writeFile(join(logs, '2026/11/02/01', 'random.log.gz'), Buffer.from('5f3a9c0e7b12d4e6a8f0c2b4d6e8fa1c3e5b7d9f', 'hex'));
    await mkdir(join(logs, '2026/11/02/02'), { recursive: true });
    await writeFile(join(logs, '2026/11/02/02', 'empty.log.gz'), '');
  });
  const audit = (...flags: string[]) => ['audit', '--logs', '__LOGS__', '--vpc-cidr', '10.0.0.0/16', ...flags];
  const injections = [`' OR '1'='1`, `10.0.0.0/16'); DROP TABLE flow_logs; --`, '"; DROP TABLE x; --', '$(rm -rf /)', 'x\nUNION SELECT 1'];
  const cases: [string, string[], RegExp][] = [
    ['no command flag value', ['audit', '--logs'], /--logs needs a value/],
    ['unknown command', ['deploy'], /'deploy' is not a command/],
    ['unknown flag', audit('--limit', '5'), /'--limit' is not a flag of 'audit'/],
    ['positional argument', audit('extra'), /'extra' is not a flag of 'audit'/],
    ['flag given twice', audit('--top', '1', '--top', '2'), /--top is given twice/],
    ['missing --logs', ['audit', '--vpc-cidr', '10.0.0.0/16'], /--logs is required/],
    ['missing --vpc-cidr', ['audit', '--logs', '__LOGS__'], /--vpc-cidr is required/],
    ['--logs does not exist', ['audit', '--logs', '/nonexistent/logs', '--vpc-cidr', '10.0.0.0/16'], /^--logs: '\/nonexistent\/logs' does not exist; give a folder of flow-log files/],
    ['--logs is a file', ['audit', '--logs', '__LOGS__/a-file', '--vpc-cidr', '10.0.0.0/16'], /^--logs: '.*a-file' is a file, not a folder; give a folder/],
    ['--logs below a file', ['audit', '--logs', '__LOGS__/a-file/x', '--vpc-cidr', '10.0.0.0/16'], /^--logs: '.*a-file\/x' is not a folder; give a folder/],
    ['unreadable file in the window', audit('--end', '2026-11-02T05', '--lookback-hours', '1'), /^--logs: file '.*broken\.gz' cannot be read as gzip-compressed text flow logs/],
    ['random bytes named .gz', audit('--end', '2026-11-02T02', '--lookback-hours', '1'), /^--logs: file '.*random\.log\.gz' is named \.gz but is not gzip \(it does not start with 1f 8b, the magic number of every gzip file\); fetch the flow-log file again, or remove it\.\n$/],
    ['an empty file named .gz', audit('--end', '2026-11-02T03', '--lookback-hours', '1'), /^--logs: file '.*empty\.log\.gz' is named \.gz but is not gzip \(it is empty, 0 bytes\); fetch the flow-log file again, or remove it\.\n$/],
    ['unreadable file, format given', audit('--end', '2026-11-02T05', '--lookback-hours', '1', '--log-format', 'v5'), /^--logs: file '.*broken\.gz' cannot be read as gzip-compressed text flow logs/],
    ['--vpc-cidr 0.0.0.0/0', ['audit', '--logs', '__LOGS__', '--vpc-cidr', '0.0.0.0/0'], /^--vpc-cidr: '0\.0\.0\.0\/0' is wider than \/8; VPC blocks are \/16 to \/28\.\n$/],
    ['--vpc-cidr host bits', audit().map((a) => (a === '10.0.0.0/16' ? '10.0.0.1/16' : a)), /has host bits set/],
    ['--vpc-cidr empty', ['audit', '--logs', '__LOGS__', '--vpc-cidr', ' , '], /--vpc-cidr: give from 1 to 50 CIDR blocks|--vpc-cidr is required/],
    ['--vpc-cidr IPv6 not a nibble', ['audit', '--logs', '__LOGS__', '--vpc-cidr', '2600:1f18:47b:a900::/58'], /multiple of 4 bits/],
    ['--lookback-hours zero', audit('--lookback-hours', '0'), /--lookback-hours: '0' is not a whole number from 1 to 9600/],
    ['--lookback-hours negative', audit('--lookback-hours=-3'), /--lookback-hours: '-3'/],
    ['--lookback-hours fraction', audit('--lookback-hours', '1.5'), /is not a whole number/],
    ['--lookback-hours huge', audit('--lookback-hours', '99999999999999999999'), /is not a whole number/],
    ['--top zero', audit('--top', '0'), /--top: '0' is not a whole number from 1 to 1000/],
    ['--top words', audit('--top', 'ten'), /--top: 'ten'/],
    ['--top hex', audit('--top', '0x10'), /--top: '0x10'/],
    ['--end not an hour', audit('--end', '2026-11-02T05:30'), /--end: '2026-11-02T05:30' is not a whole UTC hour/],
    ['--end impossible date', audit('--end', '2026-02-30T00'), /is not a whole UTC hour/],
    ['--end not a date', audit('--end', '2026-11-31'), /^--end: '2026-11-31' is not a whole UTC hour or a date; use the form 2026-11-02T00 \(YYYY-MM-DDTHH\) or 2026-11-02 \(that day's 00:00 UTC\)\.\n$/],
    ['--preset unknown', audit('--preset', 'ingress'), /--preset: 'ingress' is not a preset; accepted are egress-ports, seed/],
    ['--log-format unknown', audit('--log-format', 'v4'), /^--log-format: 'v4' is not a log format; accepted are v2, v5, v8, or a LogFormat string of \$\{field\} tokens among version, /],
    ['--log-format unknown field', audit('--log-format', '${srcaddr} ${bogus}'), /^--log-format: '\$\{bogus\}' is not a flow-log field; accepted are v2, v5, v8, or a LogFormat/],
    ['--log-format missing fields', audit('--log-format', '${srcaddr} ${dstaddr}'), /must include \$\{srcport\}/],
    ['--log-format duplicate', audit('--log-format', '${srcaddr} ${srcaddr}'), /appears twice/],
    ['--format unknown', audit('--format', 'xml'), /--format: 'xml' is not an output format; accepted are table, json, markdown, csv, sarif\.\n$/],
    ['--format sarif without --allowlist', audit('--format', 'sarif'), /^--format sarif needs --allowlist FILE: /],
    ['why --format csv', ['why', '443', '--logs', 'x', '--vpc-cidr', '10.0.0.0/16', '--format', 'csv'], /^--format: 'csv' is not an output format; accepted are table, json, markdown\.\n$/],
    ['--allowlist missing', audit('--allowlist', '/nonexistent/ports.yml'), /--allowlist: '\/nonexistent\/ports.yml' does not exist/],
    ['--allowlist is a folder', audit('--allowlist', '__LOGS__'), /^allowlist .*cli-bad-\w+ is a folder; give the path of a YAML file with a ports: list\.\n$/],
    ['sample without --out', ['sample'], /--out is required/],
    ['sample --days zero', ['sample', '--out', '__LOGS__/s', '--days', '0'], /--days: '0' is not a whole number from 1 to 400/],
    ['sample --records-per-hour', ['sample', '--out', '__LOGS__/s', '--records-per-hour=-1'], /--records-per-hour: '-1'/],
    // A value that starts with a dash reads as a flag unless joined with '='.
    ['a value that starts with a dash', ['sample', '--out', '__LOGS__/s', '--records-per-hour', '-1'], /^--records-per-hour needs a value: give --records-per-hour VALUE, or --records-per-hour=VALUE for a value that starts with a dash; see vpc-port-audit sample --help\.\n$/],
    ['sample --seed', ['sample', '--out', '__LOGS__/s', '--seed', 'abc'], /--seed: 'abc' is not a whole number from 0 to 4294967295/],
    ['sample --files-per-hour', ['sample', '--out', '__LOGS__/s', '--files-per-hour', '61'], /--files-per-hour: '61'/],
    ['sample --log-format', ['sample', '--out', '__LOGS__/s', '--log-format', 'v3'], /--log-format: 'v3' is not a sample format; accepted are v2, v5, v8\.\n$/],
    ['sample --vpc-cidr IPv6 only', ['sample', '--out', '__LOGS__/s', '--vpc-cidr', '2600:1f18:47b:a900::/56'], /a VPC always has an IPv4 block/],
    ['sample --end', ['sample', '--out', '__LOGS__/s', '--end', 'yesterday'], /--end: 'yesterday'/],
    ['sample --out is a file', ['sample', '--out', '__LOGS__/a-file', '--records-per-hour', '5'], /^--out: '.*a-file' is a file; give a new or empty folder\.\n$/],
    // A sample among other files would overwrite their ground truth and count with them.
    ['sample --out not empty', ['sample', '--out', '__LOGS__', '--records-per-hour', '5'], /^--out: '.*cli-bad-\w+' is not empty \(it holds '2026', 'a-file'\); give a new or empty folder, so that no other flow logs count with the sample's\.\n$/],
    ['why without a port', ['why', '--logs', '__LOGS__', '--vpc-cidr', '10.0.0.0/16'], /^why: give PORT or PORT\/PROTOCOL, such as 5432 or 53\/udp\.\n$/],
    ['why with nothing', ['why'], /^why: give PORT or PORT\/PROTOCOL, such as 5432 or 53\/udp\.\n$/],
    ['why with an unknown protocol', ['why', '443/sctp', '--logs', '__LOGS__', '--vpc-cidr', '10.0.0.0/16'], /^why: 'sctp' in '443\/sctp' is not a protocol; accepted are tcp, udp, icmp, icmpv6 or a number from 0 to 255\.\n$/],
    ['why with a port out of range', ['why', '70000/udp', '--logs', '__LOGS__', '--vpc-cidr', '10.0.0.0/16'], /^why: '70000\/udp' is not a port; /],
    ['why with two ports', ['why', '443', '--logs', '__LOGS__', '--vpc-cidr', '10.0.0.0/16', '53/udp'], /^'53\/udp' is not a flag of 'why'/],
    ['sql --pipeline unknown', ['sql', '--vpc-cidr', '10.0.0.0/16', '--pipeline', 'kinesis'], /^--pipeline: 'kinesis' is not a pipeline; accepted are cloudwatch-firehose, s3-parquet\.\n$/],
    ['sql --pipeline s3-parquet with --log-format', ['sql', '--vpc-cidr', '10.0.0.0/16', '--pipeline', 's3-parquet', '--log-format', 'v5'], /^--log-format does not apply with --pipeline s3-parquet/],
    ['sql --pipeline with --glue-table', ['sql', '--vpc-cidr', '10.0.0.0/16', '--pipeline', 'cloudwatch-firehose', '--glue-table', 't.json'], /^--glue-table does not apply with --pipeline/],
    ['sql --vpc-cidr bad', ['sql', '--vpc-cidr', '10.0.0.0/8/8'], /--vpc-cidr: '10.0.0.0\/8\/8' is not a CIDR block/],
    ...injections.flatMap((bad): [string, string[], RegExp][] => [
      [`--vpc-cidr ${JSON.stringify(bad)}`, ['sql', '--vpc-cidr', bad], /^--vpc-cidr: /],
      [`--vpc-cidr second item ${JSON.stringify(bad)}`, ['sql', '--vpc-cidr', `10.0.0.0/16,${bad}`], /^--vpc-cidr: /],
      [`--preset ${JSON.stringify(bad)}`, ['sql', '--vpc-cidr', '10.0.0.0/16', '--preset', `seed${bad}`], /^--preset: /],
      [`--log-format ${JSON.stringify(bad)}`, ['sql', '--vpc-cidr', '10.0.0.0/16', '--log-format', `v5${bad}`], /^--log-format: /],
      [`--end ${JSON.stringify(bad)}`, ['sql', '--vpc-cidr', '10.0.0.0/16', '--end', `2026-11-02T00${bad}`], /^--end: /],
      [`--top ${JSON.stringify(bad)}`, ['sql', '--vpc-cidr', '10.0.0.0/16', '--top', `10${bad}`], /^--top: /],
      [`--lookback-hours ${JSON.stringify(bad)}`, ['sql', '--vpc-cidr', '10.0.0.0/16', '--lookback-hours', `24${bad}`], /^--lookback-hours: /],
      [`--format ${JSON.stringify(bad)}`, ['audit', '--logs', '__LOGS__', '--vpc-cidr', '10.0.0.0/16', '--format', `json${bad}`], /^--format: /],
      [`--logs ${JSON.stringify(bad)}`, ['audit', '--vpc-cidr', '10.0.0.0/16', '--logs', `/nonexistent/${bad}`], /^--logs: /],
      [`--allowlist ${JSON.stringify(bad)}`, audit('--allowlist', `/nonexistent/${bad}`), /^--allowlist: /],
    ]),
  ];

  test.each(cases)('%s', async (_name, argv, message) => {
    const { code, stdout, stderr } = await run(argv.map((a) => a.replaceAll('__LOGS__', logs)));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^vpc-port-audit: /);
    expect(stderr.replace(/^vpc-port-audit: /, '')).toMatch(message);
    expect(stderr.trimEnd().endsWith('.')).toBe(true);
    expect(stderr).not.toMatch(/\n\s+at |Error:/);
    // One sentence on one line; only a newline the user typed into a value may be echoed back.
    const typedNewlines = argv.join('').split('\n').length - 1;
    expect(stderr.trimEnd().split('\n').length).toBeLessThanOrEqual(1 + typedNewlines);
  });
});

describe('redrive (issue 13)', () => {
  test('--stack is validated as a stack name; --region is optional', () => {
    expect(parseCommand(['redrive', '--stack', 'vpc-port-audit'], NOW)).toEqual({ command: 'redrive', stack: 'vpc-port-audit' });
    expect(parseCommand(['redrive', '--stack=net-audit', '--region', 'eu-west-1'], NOW)).toEqual({ command: 'redrive', stack: 'net-audit', region: 'eu-west-1' });
  });

  test.each([
    ['missing --stack', ['redrive'], /--stack is required/],
    ['bad --stack', ['redrive', '--stack', "x'; rm -rf /"], /^--stack: /],
    ['bad --region', ['redrive', '--stack', 'vpc-port-audit', '--region', 'mars-1'], /^--region: /],
    ['audit flag on redrive', ['redrive', '--stack', 'vpc-port-audit', '--top', '3'], /^'--top' is not a flag of 'redrive' \(it is a flag of audit, sql\); redrive's flags are --stack, --region\.\n$/],
  ])('%s: exit 2, one sentence', async (_name, argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr.replace(/^vpc-port-audit: /, '')).toMatch(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
