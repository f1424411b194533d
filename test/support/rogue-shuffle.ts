/**
 * A rogue process speaking the real gRPC ShuffleService: pushes partials an executor never asked
 * for (high attempt numbers, other query ids, map tasks and partitions no attempt names, big
 * payloads) for `seconds`, then prints one JSON line: how many pushes got each answer ('stored' when
 * one was accepted). Run as `node rogue-shuffle.js <executor host:port> <query id> <seconds>`.
 */
import { RpcClient } from '@tributary/common';

async function main(): Promise<void> {
  const [address, queryId, seconds] = process.argv.slice(2);
  const client = new RpcClient('ShuffleService', address);
  const big = Buffer.alloc(50 * 1024 * 1024, 7);
  const huge = Buffer.alloc(80 * 1024 * 1024, 9);
  const answers: Record<string, number> = {};
  const count = (code: string) => { answers[code] = (answers[code] ?? 0) + 1; };
  const deadline = Date.now() + Number(seconds) * 1000;
  for (let i = 0; Date.now() < deadline; i++) {
    const batch = i % 20;
    const pushes = [
      { ctx: { query_id: queryId, batch_id: batch, attempt: 50 + i }, map_task_id: 0, partition: 0, arrow_ipc: big, rows: 1000 },
      { ctx: { query_id: `rogue-${i % 3}`, batch_id: batch, attempt: 1 }, map_task_id: 0, partition: 0, arrow_ipc: big, rows: 1000 },
      { ctx: { query_id: queryId, batch_id: batch, attempt: 1 }, map_task_id: 1000 + i, partition: 0, arrow_ipc: big, rows: 1000 },
      { ctx: { query_id: queryId, batch_id: batch, attempt: 1 }, map_task_id: 0, partition: 9999, arrow_ipc: big, rows: 1000 },
      { ctx: { query_id: queryId, batch_id: 10_000 + i, attempt: 1 }, map_task_id: 0, partition: 0, arrow_ipc: huge, rows: 1000 },
    ];
    for (const p of pushes) {
      try {
        const res: any = await client.call('PushPartials', p, 30_000);
        count(res.error?.code || 'stored');
      } catch (err) {
        count(`grpc:${(err as { code?: string }).code}`);
      }
    }
  }
  client.close();
  console.log(JSON.stringify(answers));
}

main().catch((err) => { console.error(err); process.exit(1); });
