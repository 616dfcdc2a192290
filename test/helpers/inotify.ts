/**
 * How many inotify watches a process holds, read from /proc (Linux): each inotify file descriptor
 * lists one `inotify wd:` line per watch in its fdinfo.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** True where {@link inotifyWatches} can look (Linux with /proc). */
export const CAN_COUNT_INOTIFY: boolean = process.platform === "linux" && readable(`/proc/${process.pid}/fdinfo`);

/** The number of inotify watches `pid` holds now. */
export function inotifyWatches(pid: number): number {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    if (target !== "anon_inode:inotify") continue;
    const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8");
    count += info.split("\n").filter((line) => line.startsWith("inotify wd:")).length;
  }
  return count;
}

function readable(path: string): boolean {
  try {
    readdirSync(path);
    return true;
  } catch {
    return false;
  }
}
