// XS side of the client benchmark: the device alone, replaying the servers' recorded datagrams.
import { runScenario, type Recorded } from './client-scenario';

const g = globalThis as unknown as { benchRecordings: Recorded[]; benchResult: string; benchRun: () => void; benchKeep: unknown };
g.benchRun = () => {
  runScenario('replay', g.benchRecordings).then(
    (r) => {
      g.benchKeep = r.keep;
      g.benchResult = r.done ? 'ok' : 'not registered';
    },
    (e) => (g.benchResult = 'error: ' + (e && e.message)),
  );
};
