import { parked } from '../../workflows/fixtures/records.ts';
import { workflowFixtureService } from '../../workflows/fixtures/service.ts';
import { startStepFunctions } from './index.ts';

const sf = await startStepFunctions({ services: [workflowFixtureService], prefix: 'x', retryDelayMs: 5 });
const arn = sf.stateMachineArns['fixture-saga']!;
const { executionArn } = await sf.engine.startExecution({
  stateMachineArn: arn,
  name: 'a1',
  input: JSON.stringify({
    id: 'a1',
    failTimes: 1,
    permanent: false,
    wait: true,
    waitSeconds: 5,
    heartbeatSeconds: 5,
  }),
});
while (!parked.get('a1')) await new Promise((r) => setTimeout(r, 10));
sf.engine.sendTaskSuccess({ taskToken: parked.get('a1'), output: '{"ok":1}' });
await new Promise((r) => setTimeout(r, 50));
console.log(JSON.stringify(sf.engine.getExecutionHistory({ executionArn }).events, null, 1));
console.log(sf.engine.describeExecution({ executionArn }));
await sf.stop();
