import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * What Linux says about a process, enough to tell "the same process is still there" from "that
 * pid now belongs to someone else": its start time in clock ticks since boot (/proc/<pid>/stat
 * field 22) together with the boot id. Elsewhere (no /proc) every answer is "unknown" (null).
 */
export function processStart(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z') return null; // a zombie has finished; only its exit status is left
    const ticks = Number(rest[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

let cachedBoot: string | undefined;
export function bootId(): string {
  if (cachedBoot === undefined) {
    try {
      cachedBoot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      cachedBoot = 'unknown';
    }
  }
  return cachedBoot;
}

export function hostName(): string {
  return hostname();
}

/**
 * True while a live (not zombie) process is left in the group. Signal 0 alone would count zombies
 * an orphaned group leaves when nothing reaps them (a container whose PID 1 does not), so /proc
 * decides where there is one.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) === pgid && rest[0] !== 'Z') return true;
    } catch {
      // exited meanwhile
    }
  }
  return false;
}

export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}
