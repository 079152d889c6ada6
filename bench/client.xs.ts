// XS side of the client benchmark: the device alone, replaying the servers' recorded datagrams.
import { runScenario, stepGate, type Recorded } from './client-scenario';

const g = globalThis as unknown as { benchRecordings: Recorded[]; benchResult: string; benchRun: () => void; benchRunStepped: () => void; benchContinue: (() => void) | null; benchKeep: unknown };
g.benchRun = () => {
  runScenario('replay', g.benchRecordings).then(
    (r) => {
      g.benchKeep = r.keep;
      g.benchResult = r.done ? 'ok' : 'not registered';
    },
    (e) => (g.benchResult = 'error: ' + (e && e.message)),
  );
};

// The same replay, pausing after every clock step in which a datagram reached the device: each benchContinue()
// (a delivery of its own) runs to the next such step, so the parent can snapshot the heap in between.
g.benchContinue = null;
g.benchRunStepped = () => {
  stepGate.wait = () => new Promise<void>((resolve) => (g.benchContinue = resolve));
  g.benchRun();
};
