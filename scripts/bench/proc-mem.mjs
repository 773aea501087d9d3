/**
 * Peak resident memory of Chromium renderer processes, from Linux /proc (proc(5)):
 * writing 5 to /proc/PID/clear_refs resets VmHWM (peak RSS) to the current RSS; VmHWM in
 * /proc/PID/status is then the peak since that reset. Only the processes of *our* browser
 * count (other engineers' test browsers may run at the same time): those whose command line
 * holds `--type=renderer` and our fresh `--user-data-dir`.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Command line of a process as one string (a forked zygote child rewrites its argv into one space-separated string). */
function cmdline(pid) {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
}

/**
 * PIDs of the renderer processes of the browser started with `userDataDir` (Chromium passes
 * the flag on to every child, so it tells our renderers from other browsers' ones).
 * @param {string} userDataDir
 * @returns {number[]}
 */
export function rendererPids(userDataDir) {
  const flag = `--user-data-dir=${userDataDir} `;
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = `${cmdline(d)} `;
      if (cmd.includes(' --type=renderer ') && cmd.includes(flag)) out.push(Number(d));
    } catch {
      // The process exited while we looked.
    }
  }
  return out;
}

function statusKb(pid, field) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  if (!m) throw new Error(`no ${field} for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/**
 * Resets the peak-RSS counters of `pids` and remembers their current RSS.
 * @param {number[]} pids
 * @returns {Map<number, number>} pid → RSS bytes at the reset
 * @throws {Error} when /proc/PID/clear_refs cannot be written (not Linux, or not our process)
 */
export function resetPeaks(pids) {
  const base = new Map();
  for (const pid of pids) {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    base.set(pid, statusKb(pid, 'VmRSS'));
  }
  return base;
}

/**
 * The largest peak-RSS rise since `resetPeaks` among the processes it reset: the renderer
 * that did the work (idle ones stay near zero).
 * @param {Map<number, number>} base from `resetPeaks`
 * @returns {{ pid: number, delta: number }} bytes
 */
export function peakDelta(base) {
  let best = { pid: -1, delta: Number.NaN };
  for (const [pid, rss] of base) {
    let hwm;
    try {
      hwm = statusKb(pid, 'VmHWM');
    } catch {
      continue;
    }
    const delta = hwm - rss;
    if (!(best.delta >= delta)) best = { pid, delta };
  }
  return best;
}
