/**
 * Preloaded into the driver and executors by `bench --profile` (NODE_OPTIONS=--require …, since
 * Node 20 refuses --cpu-prof in NODE_OPTIONS): profiles the whole process with the inspector's
 * sampling profiler and writes CPU.<pid>.cpuprofile into TRIBUTARY_CPU_PROFILE_DIR at exit.
 * The in-process inspector session answers synchronously, so the profile is written inside the
 * 'exit' handler.
 */
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as path from 'node:path';

const dir = process.env.TRIBUTARY_CPU_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (!err) fs.writeFileSync(path.join(dir, `CPU.${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
