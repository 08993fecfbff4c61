// Calls a running grensd with Node's @grpc/grpc-js, loading the contract from
// proto/grens/v1/guard.proto: an independent implementation of gRPC and
// protobuf checks that grensd speaks the wire format, not just our own stubs.
// Usage: node interop.mjs ADDRESS PROTO_DIR
import assert from 'node:assert/strict';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const [address, protoDir] = process.argv.slice(2);
const definition = protoLoader.loadSync('grens/v1/guard.proto', {
  includeDirs: [protoDir], keepCase: true, longs: String, enums: String, defaults: true,
});
const { grens } = grpc.loadPackageDefinition(definition);
const guard = new grens.v1.Guard(address, grpc.credentials.createInsecure());

const at = (iso) => ({ seconds: String(Date.parse(iso) / 1000), nanos: 0 });
const presence = (id, iso) => ({
  id, platform: 'teams', collector: 'teams-presence', category: 'CATEGORY_PRESENCE',
  purpose: 'colleague_availability', subject: { id: 'u-1001' }, occurred_at: at(iso),
});

function evaluate(event) {
  return new Promise((resolve, reject) => {
    guard.Evaluate({ event }, { deadline: Date.now() + 10000 }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

async function unary() {
  const allowed = await evaluate(presence('n1', '2026-03-10T09:00:00Z'));
  assert.equal(allowed.decision.effect, 'EFFECT_ALLOW_WITH_OBLIGATIONS');
  assert.equal(allowed.decision.reasons[0].clause_id, '1.1');
  assert.equal(allowed.decision.event_id, 'n1');
  const denied = await evaluate(presence('n2', '2026-03-10T21:30:00Z'));
  assert.equal(denied.decision.effect, 'EFFECT_DENY');
  assert.equal(denied.decision.reasons[0].clause_id, '6.1');
  await assert.rejects(evaluate({ ...presence('n3', '2026-03-10T09:00:00Z'), subject: null }),
    (err) => err.code === grpc.status.INVALID_ARGUMENT && /subject\.id/.test(err.details));
  console.log('interop: unary Evaluate ok');
}

function stream(count) {
  return new Promise((resolve, reject) => {
    const call = guard.EvaluateStream({ deadline: Date.now() + 60000 });
    const seen = [];
    call.on('data', (res) => seen.push(res));
    call.on('error', reject);
    call.on('end', () => resolve(seen));
    for (let i = 0; i < count; i++) {
      call.write({ event: presence(`s${i}`, i % 2 ? '2026-03-10T09:00:00Z' : '2026-03-10T21:30:00Z') });
    }
    call.end();
  });
}

async function streaming() {
  const count = 2000;
  const answers = await stream(count);
  assert.equal(answers.length, count);
  answers.forEach((a, i) => {
    assert.equal(a.event_id, `s${i}`);
    assert.equal(a.decision.effect, i % 2 ? 'EFFECT_ALLOW_WITH_OBLIGATIONS' : 'EFFECT_DENY');
  });
  console.log(`interop: EvaluateStream ok (${count} answers in order)`);
}

try {
  await unary();
  await streaming();
  guard.close();
  console.log('1 passed, 0 failed');
} catch (err) {
  console.error('interop failed:', err);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
