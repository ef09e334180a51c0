/** One Route 53 Resolver query log line (JSON): `instance` at `srcaddr` resolving `name` to `answer`. */
export function resolverQueryLine(q: {
  instance: string;
  srcaddr: string;
  name: string;
  answer: string;
}): string {
  return `${JSON.stringify({
    version: '1.100000',
    account_id: '123456789010',
    region: 'us-east-1',
    vpc_id: 'vpc-0abc1234def567890',
    query_timestamp: '2026-11-20T09:59:55Z',
    query_name: `${q.name}.`,
    query_type: 'A',
    query_class: 'IN',
    rcode: 'NOERROR',
    answers: [{ Rdata: q.answer, Type: 'A', Class: 'IN' }],
    srcaddr: q.srcaddr,
    srcport: '37475',
    transport: 'UDP',
    srcids: { instance: q.instance },
  })}\n`;
}
