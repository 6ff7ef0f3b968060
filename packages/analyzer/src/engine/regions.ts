/** Region names in AWS host names: `s3.us-west-2.amazonaws.com`, `s3-us-west-2…`, `dynamodb.eu-west-1…`. */
const REGION_IN_HOST =
  /(?:^|[.-])((?:af|ap|ca|cn|eu|il|me|mx|sa|us)-(?:gov-|iso-|isob-)?[a-z]+-\d+)(?=[.]|$)/;

/** The region an AWS endpoint host names, or undefined (IP literals, localhost, custom endpoints). */
export function regionFromHost(host: string | undefined): string | undefined {
  if (!host) return undefined;
  if (hostRegions.has(host)) return hostRegions.get(host);
  const region = parseRegionFromHost(host);
  if (hostRegions.size < MAX_REMEMBERED_HOSTS) hostRegions.set(host, region);
  return region;
}

/** Hosts already looked at (rules ask once per attempt; a host repeats across thousands of them). */
const hostRegions = new Map<string, string | undefined>();
const MAX_REMEMBERED_HOSTS = 10_000;

function parseRegionFromHost(host: string): string | undefined {
  const lower = host.toLowerCase();
  if (!lower.endsWith('.amazonaws.com') && !lower.endsWith('.amazonaws.com.cn')) return undefined;
  const match = REGION_IN_HOST.exec(lower);
  if (match) return match[1];
  // The legacy global endpoints (`s3.amazonaws.com`, `bucket.s3.amazonaws.com`) are us-east-1.
  if (/(^|\.)s3(-external-1)?\.amazonaws\.com$/.test(lower)) return 'us-east-1';
  return undefined;
}
