/** Facts about other processes on this machine (lock holders, a serving costwise). */

/** Whether a process with this pid is alive here (a process of another user counts: signalling it is refused, not absent). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
